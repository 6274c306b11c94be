/**
 * A bounded, escaped excerpt of attacker-supplied text (an `iss`, a claim
 * name) for a rejection detail: audit logs get enough to investigate but
 * never the token itself, and never control characters.
 */
export function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return JSON.stringify(text.length > 120 ? `${text.slice(0, 120)}…` : text);
}
