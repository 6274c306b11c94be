/**
 * Token boundaries for embedded matches. A number is only a card, SSN or
 * phone number when it stands on its own: not glued to letters or digits
 * (`ORD123-45-6789`), and not a piece of a longer dotted or dashed token
 * (`v1.123-45-6789`, `123-45-6789-01`, `10.4111111111111111`). A joiner
 * (`-` or `.`) next to the match is fine when it is not itself followed by
 * another token character, so `ssn: 123-45-6789.` still counts.
 */
export function isTokenChar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f // _
  );
}

function isJoiner(c: number): boolean {
  return c === 0x2d || c === 0x2e; // - .
}

export function standsAlone(text: string, start: number, end: number): boolean {
  return leftBoundary(text, start) && rightBoundary(text, end);
}

export function leftBoundary(text: string, start: number): boolean {
  if (start === 0) return true;
  const before = text.charCodeAt(start - 1);
  if (isTokenChar(before)) return false;
  return !(isJoiner(before) && start >= 2 && isTokenChar(text.charCodeAt(start - 2)));
}

export function rightBoundary(text: string, end: number): boolean {
  if (end >= text.length) return true;
  const after = text.charCodeAt(end);
  if (isTokenChar(after)) return false;
  return !(isJoiner(after) && end + 1 < text.length && isTokenChar(text.charCodeAt(end + 1)));
}

/** Whether one of the lower-case `keywords` ends within `window` characters before `start`. */
export function keywordBefore(
  text: string,
  start: number,
  keywords: readonly string[],
  window: number,
): boolean {
  const context = text.slice(Math.max(0, start - window), start).toLowerCase();
  return keywords.some((k) => context.includes(k));
}
