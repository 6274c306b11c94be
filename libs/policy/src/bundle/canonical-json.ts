/**
 * The byte stream OPA hashes for structured bundle files (data.json,
 * .manifest): the parsed document re-encoded with object keys sorted and no
 * whitespace, strings escaped as Go's encoder does without HTML escaping
 * (see opa/v1/bundle/hash.go). This makes signatures independent of
 * formatting. Known gap: OPA keeps number literals as written ("1.0"), while
 * JSON.parse normalizes them ("1"); such data files fail verification here.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort(compareUtf8)
      .map((key) => `${encodeString(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  if (typeof value === 'string') return encodeString(value);
  return JSON.stringify(value);
}

// Go sorts map keys by bytes; for UTF-16 strings outside the BMP that differs
// from JS's default sort, so compare the UTF-8 encodings.
function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

// Go escapes U+2028 and U+2029 even with HTML escaping off; JSON.stringify does not.
function encodeString(value: string): string {
  return JSON.stringify(value)
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
