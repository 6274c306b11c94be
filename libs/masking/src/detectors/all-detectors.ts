import { awsAccessKeyIdDetector } from './aws-access-key-id.js';
import { awsSecretAccessKeyDetector } from './aws-secret-access-key.js';
import { creditCardDetector } from './credit-card.js';
import { type Detector, type DetectorKind } from './detector.js';
import { emailDetector } from './email.js';
import { ibanDetector } from './iban.js';
import { jwtDetector } from './jwt.js';
import { phoneDetector } from './phone.js';
import { usSsnDetector } from './us-ssn.js';

export const ALL_DETECTORS: readonly Detector[] = [
  creditCardDetector,
  usSsnDetector,
  ibanDetector,
  emailDetector,
  phoneDetector,
  awsAccessKeyIdDetector,
  awsSecretAccessKeyDetector,
  jwtDetector,
];

export const DETECTOR_KINDS: readonly DetectorKind[] = ALL_DETECTORS.map((d) => d.kind);

export function isDetectorKind(value: unknown): value is DetectorKind {
  return (DETECTOR_KINDS as readonly unknown[]).includes(value);
}
