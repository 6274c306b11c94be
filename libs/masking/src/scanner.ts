import { ALL_DETECTORS } from './detectors/all-detectors.js';
import { type Detector, type DetectorHit, type DetectorKind } from './detectors/detector.js';
import { profileBytes, profileText, type ValueProfile } from './detectors/value-profile.js';
import { decodeRun } from './encoded/decode-run.js';
import { findEncodedRuns, MIN_BASE64_RUN, MIN_HEX_RUN } from './encoded/encoded-runs.js';
import { decodeText } from './text-bytes.js';

export interface ScannerOptions {
  /** Which detectors run; default all. The proxy passes the ones the policy names. */
  readonly kinds?: readonly DetectorKind[];
  /** Also decode hex and base64 runs and scan the decoded text (one level deep). Default true. */
  readonly decodeEncoded?: boolean;
}

/**
 * Scans column values for sensitive data. Hits come back sorted by start; a
 * value with none gets the same frozen empty array, so the common case
 * allocates nothing beyond its profile.
 */
export interface Scanner {
  detect(text: string): readonly DetectorHit[];
  /** Same hits for a UTF-8 text-format column value, spans in bytes. */
  detectBytes(bytes: Uint8Array): readonly DetectorHit[];
}

const NO_HITS: readonly DetectorHit[] = Object.freeze([]);

export function createScanner(options: ScannerOptions = {}): Scanner {
  const kinds = options.kinds;
  const detectors = kinds ? ALL_DETECTORS.filter((d) => kinds.includes(d.kind)) : ALL_DETECTORS;
  const decodeEncoded = (options.decodeEncoded ?? true) && detectors.length > 0;

  function worthScanning(profile: ValueProfile): boolean {
    if (decodeEncoded && (profile.hexRun >= MIN_HEX_RUN || profile.base64Run >= MIN_BASE64_RUN)) return true;
    for (const d of detectors) if (d.plausible(profile)) return true;
    return false;
  }

  function scan(text: string, profile: ValueProfile): readonly DetectorHit[] {
    const hits = scanPlain(detectors, text, profile);
    if (decodeEncoded && (profile.hexRun >= MIN_HEX_RUN || profile.base64Run >= MIN_BASE64_RUN)) {
      scanEncoded(detectors, text, hits);
    }
    if (hits.length === 0) return NO_HITS;
    return hits.sort((a, b) => a.start - b.start || b.end - a.end);
  }

  return {
    detect(text) {
      const profile = profileText(text);
      return worthScanning(profile) ? scan(text, profile) : NO_HITS;
    },
    detectBytes(bytes) {
      const profile = profileBytes(bytes);
      if (!worthScanning(profile)) return NO_HITS;
      const text = decodeText(bytes);
      const hits = scan(text, profile);
      // ASCII: code units are bytes. Otherwise re-measure each span in UTF-8.
      return profile.nonAscii && hits.length > 0 ? hits.map((h) => toByteSpan(text, h)) : hits;
    },
  };
}

function scanPlain(detectors: readonly Detector[], text: string, profile: ValueProfile): DetectorHit[] {
  const hits: DetectorHit[] = [];
  for (const d of detectors) if (d.plausible(profile)) d.find(text, hits);
  return hits;
}

/** Decodes hex/base64 runs not already inside a hit and reports what their text holds. */
function scanEncoded(detectors: readonly Detector[], text: string, hits: DetectorHit[]): void {
  for (const run of findEncodedRuns(text)) {
    if (overlaps(hits, run.start, run.end)) continue;
    const decoded = decodeRun(text, run);
    if (decoded === undefined) continue;
    const inner = scanPlain(detectors, decoded, profileText(decoded));
    const kinds = new Set(inner.map((h) => h.kind));
    for (const kind of kinds) hits.push({ kind, start: run.start, end: run.end, encoding: run.encoding });
  }
}

function overlaps(hits: readonly DetectorHit[], start: number, end: number): boolean {
  return hits.some((h) => h.start < end && start < h.end);
}

function toByteSpan(text: string, hit: DetectorHit): DetectorHit {
  const start = Buffer.byteLength(text.slice(0, hit.start), 'utf8');
  const end = start + Buffer.byteLength(text.slice(hit.start, hit.end), 'utf8');
  return { ...hit, start, end };
}

const defaultScanner = createScanner();

/** Scans one value with every detector, including decoded hex and base64 runs. */
export function detect(text: string): readonly DetectorHit[] {
  return defaultScanner.detect(text);
}

/** `detect` for a UTF-8 text-format column value; spans are byte offsets. */
export function detectBytes(bytes: Uint8Array): readonly DetectorHit[] {
  return defaultScanner.detectBytes(bytes);
}
