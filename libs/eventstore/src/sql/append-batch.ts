import { linkHash, type ChainEncoding, type NewEvent } from '@portcullis/events';
import { DuplicateEventError, WrongExpectedRevisionError } from '../errors.js';
import type { AppendResult, ExpectedRevision } from '../port.js';
import type { SqlExecutor } from './sql-database.js';
import { APPEND_BATCH } from './append-batch.sql.js';
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

interface OutcomeRow {
  req: number;
  outcome: 'ok' | 'idempotent' | 'conflict' | 'duplicate' | 'stale';
  head_revision: string;
  head_hash: string;
  max_rev: string | null;
  commit_position: string | null;
  prepare_position: string | null;
}

/**
 * Appends a group-commit batch in one round trip (see append-batch.sql.ts).
 * The hash chain is built here on the cached stream heads; requests must be
 * for distinct streams (the group committer sees to that).
 */
export async function appendBatch(
  db: SqlExecutor,
  requests: readonly AppendRequest[],
  heads: StreamHeads,
): Promise<AppendOutcome[]> {
  const built = requests.map((request, i) => chain(request, i + 1, baseHead(request, heads)));
  const { rows } = await db.query<OutcomeRow>(APPEND_BATCH, [`[${built.map((b) => b.payload).join(',')}]`]);
  return requests.map((request, i): AppendOutcome => {
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
}

/** The head to chain on: known for a new stream, else what we last saw (or a guess the database will correct). */
function baseHead(request: AppendRequest, heads: StreamHeads): StreamHead | null {
  if (request.expected === 'no_stream') return NO_STREAM_HEAD;
  const known = heads.get(request.streamName);
  if (known) return known;
  // Unknown stream: with `any` it is most likely new; otherwise ask the database (answered `stale`).
  return request.expected === 'any' ? NO_STREAM_HEAD : null;
}

/**
 * One request's part of the batch, as JSON text: the events' data and
 * metadata are the canonical texts hashed at append time, spliced in rather
 * than serialised a second time (jsonb does not care about key order).
 */
function chain(request: AppendRequest, req: number, base: StreamHead | null) {
  let prevHash = (base ?? NO_STREAM_HEAD).hash;
  let revision = (base ?? NO_STREAM_HEAD).revision;
  const events = request.events.map((event, i) => {
    const encoded = request.encoded[i]!;
    revision += 1;
    const hash = linkHash(prevHash, revision, encoded.contentHash);
    const metadata =
      encoded.metadata === '{}'
        ? `{"prevHash":"${prevHash}"}`
        : `{"prevHash":"${prevHash}",${encoded.metadata.slice(1)}`;
    const row =
      `{"id":${JSON.stringify(event.id)},"type":${JSON.stringify(event.type)},` +
      `"schema_version":${Number(event.schemaVersion)},"data":${encoded.data},"metadata":${metadata},` +
      `"hash":"${hash}","revision":${revision}}`;
    prevHash = hash;
    return row;
  });
  const expected = typeof request.expected === 'number' ? String(request.expected) : request.expected;
  return {
    payload:
      `{"req":${req},"stream":${JSON.stringify(request.streamName)},"expected":${JSON.stringify(expected)},` +
      `"base_revision":${base?.revision ?? null},"base_hash":${JSON.stringify(base?.hash ?? null)},` +
      `"events":[${events.join(',')}]}`,
    last: { revision, hash: prevHash },
  };
}

function result(revision: number, row: OutcomeRow): AppendResult {
  return {
    nextExpectedRevision: revision,
    position: { commit: BigInt(row.commit_position!), prepare: BigInt(row.prepare_position!) },
  };
}
