/**
 * A readable difference between two JSON values: one line per differing
 * leaf, as `- path: expected` / `+ path: actual`. Arrays compare by index,
 * which suits decisions (reasons and masks are sorted by the policy).
 */
export function decisionDiff(expected: unknown, actual: unknown, path = ''): string[] {
  if (Object.is(expected, actual)) return [];
  const bothArrays = Array.isArray(expected) && Array.isArray(actual);
  const bothObjects = isObject(expected) && isObject(actual);
  if (bothArrays) {
    const a = expected as unknown[];
    const b = actual as unknown[];
    return Array.from({ length: Math.max(a.length, b.length) }, (_, i) =>
      i >= a.length
        ? [`+ ${path}/${i}: ${JSON.stringify(b[i])}`]
        : i >= b.length
          ? [`- ${path}/${i}: ${JSON.stringify(a[i])}`]
          : decisionDiff(a[i], b[i], `${path}/${i}`),
    ).flat();
  }
  if (bothObjects) {
    const a = expected as Record<string, unknown>;
    const b = actual as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) =>
      !(k in b)
        ? [`- ${path}/${k}: ${JSON.stringify(a[k])}`]
        : !(k in a)
          ? [`+ ${path}/${k}: ${JSON.stringify(b[k])}`]
          : decisionDiff(a[k], b[k], `${path}/${k}`),
    );
  }
  return [`- ${path || '/'}: ${JSON.stringify(expected)}`, `+ ${path || '/'}: ${JSON.stringify(actual)}`];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
