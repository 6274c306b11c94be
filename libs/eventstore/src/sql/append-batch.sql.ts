/**
 * One group-commit batch is one call of `portcullis_append` (defined, with the
 * reasoning about locks, snapshots and order, in migrations/0001_event_store.sql):
 * one round trip, one implicit transaction, and a plan PostgreSQL caches.
 */
export const APPEND_BATCH = `SELECT req, outcome, head_revision, head_hash, max_rev, commit_position, prepare_position
  FROM portcullis_append($1::jsonb)`;

/**
 * The fast path of a batch whose every request is chained on the head its
 * writer holds: `portcullis_append_chained` (migrations/0006_event_store_chained_append.sql)
 * moves the heads and inserts every event in one multi-row INSERT, or raises
 * (SQLSTATE PC001, or 23505 for an event id that exists) and writes nothing.
 */
export const APPEND_CHAINED = `SELECT req, commit_position, prepare_position
  FROM portcullis_append_chained($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::text[],
    $6::integer[], $7::uuid[], $8::text[], $9::integer[], $10::bigint[], $11::text[], $12::jsonb, $13::jsonb)`;

/** SQLSTATE of portcullis_append_chained when a head is not where its writer chained on it. */
export const HEAD_MOVED = 'PC001';
/** unique_violation: one of the batch's event ids is stored already. */
export const UNIQUE_VIOLATION = '23505';
