/**
 * Removes sensitive fields from an input before it is logged. Paths are JSON
 * pointers relative to the input, where a `*` segment matches every array
 * element or object key. Copies only the containers along erased paths, so
 * the caller's input is left untouched and unrelated parts are shared.
 */
export const DEFAULT_ERASED_INPUT_PATHS = [
  // Statement text can carry literals: passwords in ALTER ROLE, personal data in WHERE clauses.
  '/command/text',
  '/command/statements/*/text',
  // Shell arguments can carry tokens and passwords.
  '/command/argv',
];

export function eraseInput(input: unknown, paths: readonly string[]): { input: unknown; erased: string[] } {
  const erased: string[] = [];
  let out = input;
  for (const path of paths) {
    const segments = path.split('/').slice(1);
    out = eraseAt(out, segments, '', erased);
  }
  return { input: out, erased: erased.map((p) => `/input${p}`) };
}

function eraseAt(node: unknown, segments: string[], at: string, erased: string[]): unknown {
  if (node === null || typeof node !== 'object') return node;
  const [head, ...rest] = segments as [string, ...string[]];
  const copy: Record<string, unknown> | unknown[] = Array.isArray(node) ? [...node] : { ...node };
  const keys = head === '*' ? Object.keys(copy) : [head];
  for (const key of keys) {
    if (!Object.hasOwn(copy, key)) continue;
    const here = `${at}/${key}`;
    const table = copy as Record<string, unknown>;
    if (rest.length === 0) {
      delete table[key];
      erased.push(here);
    } else {
      table[key] = eraseAt(table[key], rest, here, erased);
    }
  }
  return copy;
}
