import { linkHash, type ChainEncoding, type NewEvent } from '@portcullis/events';
import { DuplicateEventError, WrongExpectedRevisionError } from '../errors.js';
import type { AppendResult, ExpectedRevision } from '../port.js';
import type { SqlExecutor } from './sql-database.js';
import { APPEND_BATCH, APPEND_CHAINED, HEAD_MOVED, UNIQUE_VIOLATION } from './append-batch.sql.js';
import { NO_STREAM_HEAD, type StreamHead, type StreamHeads } from './stream-heads.js';

export interface AppendRequest {
  readonly streamName: string;
  readonly events: readonly NewEvent[];
  readonly expected: ExpectedRevision;
  /** Each event's canonical parts (encodeForChain), computed once when the append was asked for. */
  readonly encoded: readonly ChainEncoding[];
}

export type AppendOutcome =
  | { ok: true; result: AppendResult }
  | { ok: false; error: Error }
  /** The head we chained on had moved; `heads` now holds the real one: try again. */
  | { stale: true };

export interface BatchOutcome {
  /** One per request, in order. */
  readonly outcomes: AppendOutcome[];
  /** `chained`: the fast path wrote the batch; `verdicts`: portcullis_append answered each request. */
  readonly path: 'chained' | 'verdicts';
}

interface OutcomeRow {
  req: number;
  outcome: 'ok' | 'idempotent' | 'conflict' | 'duplicate' | 'stale';
  head_revision: string;
  head_hash: string;
  max_rev: string | null;
  commit_position: string | null;
  prepare_position: string | null;
}

interface ChainedEvent {
  readonly event: NewEvent;
  /** The canonical data text, as hashed. */
  readonly data: string;
  /** The canonical metadata text with `prevHash` added. */
  readonly metadata: string;
  readonly hash: string;
  readonly revision: number;
}

/** One request with its events chained on the head its writer knows. */
interface Chained {
  readonly request: AppendRequest;
  readonly base: StreamHead | null;
  readonly events: readonly ChainedEvent[];
  readonly last: StreamHead;
}

/**
 * Appends a group-commit batch in one round trip (see append-batch.sql.ts).
 * The hash chain is built here on the cached stream heads; requests must be
 * for distinct streams (the group committer sees to that).
 *
 * A batch whose every request is chained on a known head that agrees with its
 * expected revision takes the fast path (one multi-row INSERT, no verdicts).
 * If the database refuses it (a head moved, an event id exists) nothing was
 * written, and the batch goes through `portcullis_append`, which answers each
 * request: ok, idempotent, conflict, duplicate or stale. A refused fast path
 * aborts an open transaction, so when called inside one (tests do) the batch
 * must be one the fast path accepts.
 */
export async function appendBatch(
  db: SqlExecutor,
  requests: readonly AppendRequest[],
  heads: StreamHeads,
): Promise<BatchOutcome> {
  const built = requests.map((request) => chain(request, baseHead(request, heads)));
  if (built.every(chainedOnItsExpectation)) {
    const positions = await appendChained(db, built);
    if (positions) {
      const outcomes = built.map((b, i): AppendOutcome => {
        heads.set(b.request.streamName, b.last);
        return { ok: true, result: result(b.last.revision, positions[i]!) };
      });
      return { outcomes, path: 'chained' };
    }
  }
  const payload = `[${built.map((b, i) => fullPayload(b, i + 1)).join(',')}]`;
  const { rows } = await db.query<OutcomeRow>(APPEND_BATCH, [payload]);
  const outcomes = requests.map((request, i): AppendOutcome => {
    const row = rows.find((r) => Number(r.req) === i + 1);
    if (!row) throw new Error(`the append batch returned no outcome for request ${i + 1}`);
    const realHead = { revision: Number(row.head_revision), hash: row.head_hash };
    switch (row.outcome) {
      case 'ok':
        heads.set(request.streamName, built[i]!.last);
        return { ok: true, result: result(built[i]!.last.revision, row) };
      case 'idempotent':
        return { ok: true, result: result(Number(row.max_rev), row) };
      case 'conflict':
        heads.set(request.streamName, realHead);
        return {
          ok: false,
          error: new WrongExpectedRevisionError(request.streamName, request.expected, realHead.revision),
        };
      case 'duplicate':
        return {
          ok: false,
          error: new DuplicateEventError(
            request.streamName,
            request.events.map((e) => e.id),
          ),
        };
      case 'stale':
        heads.set(request.streamName, realHead);
        return { stale: true };
    }
  });
  return { outcomes, path: 'verdicts' };
}

/** The head to chain on: known for a new stream, else what we last saw (or a guess the database will correct). */
function baseHead(request: AppendRequest, heads: StreamHeads): StreamHead | null {
  if (request.expected === 'no_stream') return NO_STREAM_HEAD;
  const known = heads.get(request.streamName);
  if (known) return known;
  // Unknown stream: with `any` it is most likely new; otherwise ask the database (answered `stale`).
  return request.expected === 'any' ? NO_STREAM_HEAD : null;
}

/** Whether the append succeeds if its base is still the stream's head (else portcullis_append decides). */
function chainedOnItsExpectation({ request, base }: Chained): boolean {
  if (!base) return false;
  const expected = request.expected;
  if (expected === 'any') return true;
  if (expected === 'no_stream') return base.revision === -1;
  if (expected === 'stream_exists') return base.revision >= 0;
  return base.revision === expected;
}

interface PositionRow {
  req: number;
  commit_position: string | null;
  prepare_position: string | null;
}

/** The fast path; null when the database refused it (and wrote nothing). */
async function appendChained(db: SqlExecutor, built: readonly Chained[]): Promise<PositionRow[] | null> {
  const events = built.flatMap((b, i) => b.events.map((e) => ({ req: i + 1, e })));
  const params = [
    textArray(built.map((b) => b.request.streamName)),
    `{${built.map((b) => b.base!.revision).join(',')}}`,
    `{${built.map((b) => b.base!.hash).join(',')}}`,
    `{${built.map((b) => b.last.revision).join(',')}}`,
    `{${built.map((b) => b.last.hash).join(',')}}`,
    `{${events.map((x) => x.req).join(',')}}`,
    `{${events.map((x) => x.e.event.id).join(',')}}`,
    textArray(events.map((x) => x.e.event.type)),
    `{${events.map((x) => Number(x.e.event.schemaVersion)).join(',')}}`,
    `{${events.map((x) => x.e.revision).join(',')}}`,
    `{${events.map((x) => x.e.hash).join(',')}}`,
    `[${events.map((x) => x.e.data).join(',')}]`,
    `[${events.map((x) => x.e.metadata).join(',')}]`,
  ];
  try {
    const { rows } = await db.query<PositionRow>(APPEND_CHAINED, params);
    const byReq = new Map(rows.map((r) => [Number(r.req), r]));
    return built.map((_, i) => {
      const row = byReq.get(i + 1);
      if (!row) throw new Error(`the chained append returned no position for request ${i + 1}`);
      return row;
    });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === HEAD_MOVED || code === UNIQUE_VIOLATION) return null;
    throw error;
  }
}

/** A PostgreSQL array literal of text elements, each quoted. */
function textArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
}

/**
 * Chains a request's events on `base`: revisions, prevHash and hash. The
 * events' data and metadata are the canonical texts hashed at append time,
 * spliced in rather than serialised a second time (jsonb does not care about
 * key order).
 */
function chain(request: AppendRequest, base: StreamHead | null): Chained {
  let prevHash = (base ?? NO_STREAM_HEAD).hash;
  let revision = (base ?? NO_STREAM_HEAD).revision;
  const events = request.events.map((event, i): ChainedEvent => {
    const encoded = request.encoded[i]!;
    revision += 1;
    const hash = linkHash(prevHash, revision, encoded.contentHash);
    const metadata =
      encoded.metadata === '{}'
        ? `{"prevHash":"${prevHash}"}`
        : `{"prevHash":"${prevHash}",${encoded.metadata.slice(1)}`;
    prevHash = hash;
    return { event, data: encoded.data, metadata, hash, revision };
  });
  return { request, base, events, last: { revision, hash: prevHash } };
}

/** One request's part of portcullis_append's JSON document. */
function fullPayload({ request, base, events }: Chained, req: number): string {
  const rows = events.map(
    (e) =>
      `{"id":${JSON.stringify(e.event.id)},"type":${JSON.stringify(e.event.type)},` +
      `"schema_version":${Number(e.event.schemaVersion)},"data":${e.data},"metadata":${e.metadata},` +
      `"hash":"${e.hash}","revision":${e.revision}}`,
  );
  const expected = typeof request.expected === 'number' ? String(request.expected) : request.expected;
  return (
    `{"req":${req},"stream":${JSON.stringify(request.streamName)},"expected":${JSON.stringify(expected)},` +
    `"base_revision":${base?.revision ?? null},"base_hash":${JSON.stringify(base?.hash ?? null)},` +
    `"events":[${rows.join(',')}]}`
  );
}

function result(
  revision: number,
  row: { commit_position: string | null; prepare_position: string | null },
): AppendResult {
  return {
    nextExpectedRevision: revision,
    position: { commit: BigInt(row.commit_position!), prepare: BigInt(row.prepare_position!) },
  };
}
