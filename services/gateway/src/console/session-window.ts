/**
 * The time filter of the sessions page: the sessions live at some moment
 * in [from, to). A range ("last 24 hours") ends now; from and to are typed
 * times, read as UTC when they name no offset (the console shows every time
 * in UTC), as a datetime-local input sends them (`2026-12-03T18:00`).
 */
export const SESSION_RANGES = { '1h': 3_600_000, '24h': 86_400_000, '7d': 604_800_000 } as const;
export type SessionRange = keyof typeof SESSION_RANGES;

export interface SessionWindowInput {
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly range?: string | undefined;
}

/** ISO 8601 instants, or a problem to show the person. */
export type SessionWindow =
  | { readonly ok: true; readonly from: string | undefined; readonly to: string | undefined }
  | { readonly ok: false; readonly problem: string };

const TIME = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$/;

export function sessionWindow(input: SessionWindowInput, nowMs: number): SessionWindow {
  const problem = (text: string): SessionWindow => ({ ok: false, problem: text });
  if (input.range !== undefined) {
    if (!Object.hasOwn(SESSION_RANGES, input.range)) {
      return problem(`The range must be one of ${Object.keys(SESSION_RANGES).join(', ')}.`);
    }
    if (input.from !== undefined || input.to !== undefined) {
      return problem('Choose either a range or a from/to time, not both.');
    }
    const from = new Date(nowMs - SESSION_RANGES[input.range as SessionRange]).toISOString();
    return { ok: true, from, to: undefined };
  }
  const parsed: Record<'from' | 'to', string | undefined> = { from: undefined, to: undefined };
  for (const key of ['from', 'to'] as const) {
    const text = input[key];
    if (text === undefined) continue;
    const at = instant(text);
    if (at === undefined) {
      return problem(
        `"${text}" is not a time for "${key}": use YYYY-MM-DDTHH:MM (UTC), or an ISO 8601 time with an offset.`,
      );
    }
    parsed[key] = at;
  }
  if (parsed.from !== undefined && parsed.to !== undefined && parsed.from >= parsed.to) {
    return problem('"From" must be before "to".');
  }
  return { ok: true, ...parsed };
}

/** A time as an ISO instant; undefined for anything else, a day that does not exist included. */
function instant(text: string): string | undefined {
  const match = TIME.exec(text);
  if (!match) return undefined;
  const zoned = match[4] ? text : `${text}Z`;
  const ms = Date.parse(zoned);
  if (Number.isNaN(ms)) return undefined;
  // Date.parse rolls 2026-02-31 over to March; the calendar day must survive the round trip.
  if (!match[4] && new Date(ms).toISOString().slice(0, 10) !== match[1]) return undefined;
  return new Date(ms).toISOString();
}
