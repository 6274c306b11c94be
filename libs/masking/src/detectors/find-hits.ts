import { type Detector, type DetectorHit } from './detector.js';
import { profileText } from './value-profile.js';

/**
 * What one detector finds in `text`, gate included, as `[start, end]` pairs
 * or the matched substrings. Used by the detector tests so each exercises
 * exactly the path the scanner takes.
 */
export function findHits(detector: Detector, text: string): DetectorHit[] {
  const hits: DetectorHit[] = [];
  if (detector.plausible(profileText(text))) detector.find(text, hits);
  return hits;
}

export function findMatches(detector: Detector, text: string): string[] {
  return findHits(detector, text).map((h) => text.slice(h.start, h.end));
}
