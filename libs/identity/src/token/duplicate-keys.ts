/**
 * Finds the first member name that appears twice in one JSON object, at any
 * depth. JSON.parse silently keeps the last value, so a token carrying
 * `"aud":"them","aud":"us"` would mean different things to different
 * parsers (RFC 7519, section 4: reject duplicates). Expects text that
 * JSON.parse has already accepted, so it only needs to follow strings and
 * brackets.
 */
export function findDuplicateKey(json: string): string | undefined {
  // One set of member names per open object; null marks an open array.
  const open: (Set<string> | null)[] = [];
  let expectingKey = false;
  for (let i = 0; i < json.length; i++) {
    const char = json[i];
    if (char === '"') {
      const end = endOfString(json, i);
      const top = open[open.length - 1];
      if (expectingKey && top) {
        const name = JSON.parse(json.slice(i, end + 1)) as string;
        if (top.has(name)) return name;
        top.add(name);
      }
      expectingKey = false;
      i = end;
    } else if (char === '{') {
      open.push(new Set());
      expectingKey = true;
    } else if (char === '[') {
      open.push(null);
    } else if (char === '}' || char === ']') {
      open.pop();
    } else if (char === ',') {
      expectingKey = open[open.length - 1] instanceof Set;
    }
  }
  return undefined;
}

/** Index of the quote closing the string that opens at `start`. */
function endOfString(json: string, start: number): number {
  for (let i = start + 1; i < json.length; i++) {
    if (json[i] === '\\') i++;
    else if (json[i] === '"') return i;
  }
  return json.length - 1;
}
