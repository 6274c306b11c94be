/**
 * One group-commit batch is one call of `portcullis_append` (defined, with the
 * reasoning about locks, snapshots and order, in migrations/0001_event_store.sql):
 * one round trip, one implicit transaction, and a plan PostgreSQL caches.
 */
export const APPEND_BATCH = `SELECT req, outcome, head_revision, head_hash, max_rev, commit_position, prepare_position
  FROM portcullis_append($1::jsonb)`;
