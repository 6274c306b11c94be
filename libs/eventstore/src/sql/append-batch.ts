import { GENESIS_HASH, hashEvent, type NewEvent, type Position } from '@portcullis/events';
import { DuplicateEventError, WrongExpectedRevisionError } from '../errors.js';
import type { AppendResult, ExpectedRevision } from '../port.js';
import type { SqlExecutor } from './sql-database.js';

export interface AppendRequest {
  readonly streamName: string;
  readonly events: readonly NewEvent[];
  readonly expected: ExpectedRevision;
}

export type AppendOutcome = { ok: true; result: AppendResult } | { ok: false; error: Error };

interface StreamHead {
  revision: number;
  lastHash: string;
}

interface StoredId {
  streamName: string;
  revision: number;
  position: Position | null; // null while it is being written by this batch
}

interface EventInsert {
  stream_name: string;
  stream_revision: number;
  event_id: string;
  event_type: string;
  schema_version: number;
  data: unknown;
  metadata: unknown;
  hash: string;
}

/**
 * Appends several requests (to any streams) in the caller's transaction: the
 * unit of group commit. Each request succeeds or fails on its own; a failed
 * expectation fails that request only. Steps:
 *   1. lock every stream (advisory locks) and read its head;
 *   2. look up the event ids, for idempotent retries;
 *   3. check expectations and build the hash chain in memory;
 *   4. insert all events and move the heads in one statement.
 */
export async function appendBatch(
  tx: SqlExecutor,
  requests: readonly AppendRequest[],
): Promise<AppendOutcome[]> {
  const heads = await lockStreamHeads(tx, requests);
  const stored = await findStoredIds(tx, requests);

  const outcomes: (AppendOutcome | { pending: true; lastId: string; nextExpectedRevision: number })[] = [];
  const inserts: EventInsert[] = [];
  for (const request of requests) {
    const head = heads.get(request.streamName)!;
    const earlier = request.events.map((e) => stored.get(e.id));
    if (earlier.every((s) => s !== undefined)) {
      outcomes.push(idempotentOutcome(request, earlier));
      continue;
    }
    if (earlier.some((s) => s !== undefined)) {
      const ids = request.events.filter((e) => stored.has(e.id)).map((e) => e.id);
      outcomes.push({ ok: false, error: new DuplicateEventError(request.streamName, ids) });
      continue;
    }
    if (!expectationHolds(request.expected, head.revision)) {
      outcomes.push({
        ok: false,
        error: new WrongExpectedRevisionError(request.streamName, request.expected, head.revision),
      });
      continue;
    }
    for (const event of request.events) {
      const revision = head.revision + 1;
      const metadata = { ...event.metadata, prevHash: head.lastHash };
      const hash = hashEvent({ ...event, streamName: request.streamName, revision, metadata });
      inserts.push({
        stream_name: request.streamName,
        stream_revision: revision,
        event_id: event.id,
        event_type: event.type,
        schema_version: event.schemaVersion,
        data: event.data,
        metadata,
        hash,
      });
      stored.set(event.id, { streamName: request.streamName, revision, position: null });
      head.revision = revision;
      head.lastHash = hash;
    }
    outcomes.push({ pending: true, lastId: request.events.at(-1)!.id, nextExpectedRevision: head.revision });
  }

  const positions = inserts.length > 0 ? await insertEvents(tx, inserts, heads) : new Map<string, Position>();
  return outcomes.map((outcome, i) => {
    if (!('pending' in outcome)) {
      if (outcome.ok && outcome.result.position.prepare === -1n) {
        // an idempotent repeat of an append made earlier in this same batch
        const lastId = requests[i]!.events.at(-1)!.id;
        return { ok: true, result: { ...outcome.result, position: positions.get(lastId)! } };
      }
      return outcome;
    }
    return {
      ok: true,
      result: {
        nextExpectedRevision: outcome.nextExpectedRevision,
        position: positions.get(outcome.lastId)!,
      },
    };
  });
}

function expectationHolds(expected: ExpectedRevision, revision: number): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return revision === -1;
    case 'stream_exists':
      return revision >= 0;
    default:
      return revision === expected;
  }
}

function idempotentOutcome(request: AppendRequest, earlier: (StoredId | undefined)[]): AppendOutcome {
  const first = earlier[0]!;
  const consecutive = earlier.every(
    (s, i) => s!.streamName === request.streamName && s!.revision === first.revision + i,
  );
  if (!consecutive) {
    return {
      ok: false,
      error: new DuplicateEventError(
        request.streamName,
        request.events.map((e) => e.id),
      ),
    };
  }
  const last = earlier.at(-1)!;
  return {
    ok: true,
    result: { nextExpectedRevision: last.revision, position: last.position ?? { commit: -1n, prepare: -1n } },
  };
}

async function lockStreamHeads(
  tx: SqlExecutor,
  requests: readonly AppendRequest[],
): Promise<Map<string, StreamHead>> {
  const names = [...new Set(requests.map((r) => r.streamName))];
  // Advisory locks, taken in one global order (by key) so batches cannot
  // deadlock. Unlike row locks they assign no transaction id: this batch gets
  // its id only when it inserts, after every earlier writer of these streams
  // has committed, so the global order (transaction_id, global_position)
  // always agrees with each stream's revision order.
  await tx.query(
    `SELECT pg_advisory_xact_lock(k)
       FROM (SELECT DISTINCT hashtextextended(n, 7243) AS k FROM unnest($1::text[]) AS n ORDER BY 1) AS keys`,
    [names],
  );
  const { rows } = await tx.query<{ stream_name: string; revision: string; last_hash: string }>(
    `SELECT stream_name, revision::text AS revision, last_hash FROM portcullis_streams
      WHERE stream_name = ANY ($1::text[])`,
    [names],
  );
  const heads = new Map(
    rows.map((r) => [r.stream_name, { revision: Number(r.revision), lastHash: r.last_hash }]),
  );
  for (const name of names) if (!heads.has(name)) heads.set(name, { revision: -1, lastHash: GENESIS_HASH });
  return heads;
}

async function findStoredIds(
  tx: SqlExecutor,
  requests: readonly AppendRequest[],
): Promise<Map<string, StoredId>> {
  const ids = requests.flatMap((r) => r.events.map((e) => e.id));
  // Runs after the locks are held; in READ COMMITTED each statement takes a
  // fresh snapshot, so it sees events committed by a batch we waited on.
  const { rows } = await tx.query<{
    event_id: string;
    stream_name: string;
    stream_revision: string;
    transaction_id: string;
    global_position: string;
  }>(
    `SELECT event_id::text AS event_id, stream_name, stream_revision::text AS stream_revision,
            transaction_id::text AS transaction_id, global_position::text AS global_position
       FROM portcullis_events WHERE event_id = ANY ($1::uuid[])`,
    [ids],
  );
  return new Map(
    rows.map((r) => [
      r.event_id,
      {
        streamName: r.stream_name,
        revision: Number(r.stream_revision),
        position: { commit: BigInt(r.transaction_id), prepare: BigInt(r.global_position) },
      },
    ]),
  );
}

async function insertEvents(
  tx: SqlExecutor,
  inserts: readonly EventInsert[],
  heads: ReadonlyMap<string, StreamHead>,
): Promise<Map<string, Position>> {
  const movedHeads = [...heads]
    .filter(([, h]) => h.revision >= 0)
    .map(([stream_name, h]) => ({ stream_name, revision: h.revision, last_hash: h.lastHash }));
  // One JSON parameter per batch instead of per-column arrays: one serialisation,
  // the same on node-postgres and PGlite, and no array-literal escaping.
  const { rows } = await tx.query<{ event_id: string; transaction_id: string; global_position: string }>(
    `WITH inserted AS (
       INSERT INTO portcullis_events
         (stream_name, stream_revision, event_id, event_type, schema_version, data, metadata, hash)
       SELECT stream_name, stream_revision, event_id, event_type, schema_version, data, metadata, hash
         FROM jsonb_to_recordset($1::jsonb) AS e(stream_name text, stream_revision bigint, event_id uuid,
              event_type text, schema_version integer, data jsonb, metadata jsonb, hash text)
       RETURNING event_id, transaction_id, global_position
     ), moved AS (
       INSERT INTO portcullis_streams AS s (stream_name, revision, last_hash)
       SELECT stream_name, revision, last_hash
         FROM jsonb_to_recordset($2::jsonb) AS h(stream_name text, revision bigint, last_hash text)
       ON CONFLICT (stream_name) DO UPDATE SET revision = EXCLUDED.revision, last_hash = EXCLUDED.last_hash
     )
     SELECT event_id::text AS event_id, transaction_id::text AS transaction_id,
            global_position::text AS global_position FROM inserted`,
    [JSON.stringify(inserts), JSON.stringify(movedHeads)],
  );
  return new Map(
    rows.map((r) => [r.event_id, { commit: BigInt(r.transaction_id), prepare: BigInt(r.global_position) }]),
  );
}
