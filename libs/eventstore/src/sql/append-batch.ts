import { contentHash, type NewEvent } from '@portcullis/events';
import { DuplicateEventError, WrongExpectedRevisionError } from '../errors.js';
import type { AppendResult, ExpectedRevision } from '../port.js';
import type { SqlExecutor } from './sql-database.js';

export interface AppendRequest {
  readonly streamName: string;
  readonly events: readonly NewEvent[];
  readonly expected: ExpectedRevision;
}

export type AppendOutcome = { ok: true; result: AppendResult } | { ok: false; error: Error };

interface OutcomeRow {
  request: number;
  outcome: 'ok' | 'idempotent' | 'conflict' | 'duplicate';
  revision: string | number | null;
  commit_position: string | null;
  prepare_position: string | number | null;
  detail: string | null;
}

/**
 * Appends a group-commit batch with one call of `portcullis_append` (see
 * migrations/0001_event_store.sql): locks, idempotency, expectations and the
 * hash chain all happen in the database, in one round trip. The writer's side
 * of the chain, the RFC 8785 content hash, is computed here. Each request
 * succeeds or fails on its own.
 */
export async function appendBatch(
  db: SqlExecutor,
  requests: readonly AppendRequest[],
): Promise<AppendOutcome[]> {
  const batch = requests.map((r) => ({
    stream: r.streamName,
    expected: typeof r.expected === 'number' ? String(r.expected) : r.expected,
    events: r.events.map((e) => ({
      id: e.id,
      type: e.type,
      schema_version: e.schemaVersion,
      data: e.data,
      metadata: e.metadata,
      content_hash: contentHash({ ...e, streamName: r.streamName }),
    })),
  }));
  const { rows } = await db.query<OutcomeRow>(
    `SELECT request, outcome, revision::text AS revision, commit_position, prepare_position::text AS prepare_position, detail
       FROM portcullis_append($1::jsonb)`,
    [JSON.stringify(batch)],
  );
  return requests.map((request, i) => {
    const row = rows.find((r) => Number(r.request) === i + 1);
    if (!row) throw new Error(`portcullis_append returned no outcome for request ${i + 1}`);
    switch (row.outcome) {
      case 'ok':
      case 'idempotent':
        return {
          ok: true,
          result: {
            nextExpectedRevision: Number(row.revision),
            position: { commit: BigInt(row.commit_position!), prepare: BigInt(row.prepare_position!) },
          },
        };
      case 'conflict':
        return {
          ok: false,
          error: new WrongExpectedRevisionError(request.streamName, request.expected, Number(row.revision)),
        };
      case 'duplicate':
        return {
          ok: false,
          error: new DuplicateEventError(request.streamName, (row.detail ?? '').split(', ')),
        };
    }
  });
}
