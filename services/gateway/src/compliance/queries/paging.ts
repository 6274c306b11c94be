import { ValidationError } from '@portcullis/events';

/**
 * Filters shared by the compliance read models. `identity` matches the
 * subject or the app id; `from`/`to` bound the time (from inclusive, to
 * exclusive), ISO 8601.
 */
export interface ComplianceFilter {
  readonly identity?: string;
  readonly issuer?: string;
  readonly target?: string;
  readonly from?: string;
  readonly to?: string;
}

export interface PageRequest {
  readonly limit: number;
  readonly cursor?: string;
}

/** A row's place in the global order: the position of the event that created it, and an item within it. */
export type RowKey = readonly [commit: string, prepare: string, item: number];

/**
 * Cursors are opaque to callers: base64url of the last row's key. Pages are
 * in global order (oldest first), so a row appended while a client walks the
 * pages comes on a later page, and none is returned twice.
 */
export const encodeCursor = (key: RowKey): string => Buffer.from(JSON.stringify(key)).toString('base64url');

export function decodeCursor(cursor: string): RowKey {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown;
    if (
      Array.isArray(value) &&
      value.length === 3 &&
      typeof value[0] === 'string' &&
      /^\d{1,20}$/.test(value[0]) &&
      typeof value[1] === 'string' &&
      /^\d{1,20}$/.test(value[1]) &&
      Number.isInteger(value[2])
    ) {
      return value as unknown as RowKey;
    }
  } catch {
    // fall through to the error below
  }
  throw new ValidationError('invalid cursor', [
    { path: 'cursor', message: 'is not a cursor this API returned' },
  ]);
}

/** Builds a parameterised WHERE clause. */
export class Where {
  readonly params: unknown[] = [];
  private readonly clauses: string[] = [];

  /** Adds `sql` with each `?` replaced by the next value's placeholder. */
  add(sql: string, ...values: unknown[]): this {
    let i = 0;
    this.clauses.push(sql.replace(/\?/g, () => `$${this.params.push(values[i++])}`));
    return this;
  }

  /** The identity, issuer and target filters on columns of those names. */
  identityAndTarget(filter: ComplianceFilter, alias = ''): this {
    const c = (name: string) => `${alias}${name}`;
    if (filter.identity !== undefined)
      this.add(`(${c('subject')} = ? OR ${c('app_id')} = ?)`, filter.identity, filter.identity);
    if (filter.issuer !== undefined) this.add(`${c('issuer')} = ?`, filter.issuer);
    if (filter.target !== undefined) this.add(`${c('target_name')} = ?`, filter.target);
    return this;
  }

  /** Rows after the cursor, in (position_commit, position_prepare[, item]) order. */
  after(cursor: string | undefined, withItem = false): this {
    if (cursor === undefined) return this;
    const [commit, prepare, item] = decodeCursor(cursor);
    return withItem
      ? this.add(
          '(position_commit, position_prepare, item) > (?::numeric, ?::numeric, ?::int)',
          commit,
          prepare,
          item,
        )
      : this.add('(position_commit, position_prepare) > (?::numeric, ?::numeric)', commit, prepare);
  }

  placeholder(value: unknown): string {
    return `$${this.params.push(value)}`;
  }

  toString(): string {
    return this.clauses.length ? `WHERE ${this.clauses.join(' AND ')}` : '';
  }
}

/** One page: rows fetched with LIMIT n+1, cut to n, with the cursor of the last if there is more. */
export function pageOf<R, V>(
  rows: readonly R[],
  limit: number,
  toView: (row: R) => V,
  keyOf: (row: R) => RowKey,
): { items: V[]; next: string | null } {
  const kept = rows.slice(0, limit);
  const last = kept.at(-1);
  return {
    items: kept.map(toView),
    next: rows.length > limit && last ? encodeCursor(keyOf(last)) : null,
  };
}

export const iso = (d: Date | string | null): string | null =>
  d === null ? null : new Date(d).toISOString();
export const num = (n: string | number | null): number | null => (n === null ? null : Number(n));
