-- The event store: append-only events, one row per stream for optimistic
-- concurrency and the hash chain's head, and subscriber checkpoints.
--
-- Global order is (transaction_id, global_position). A reader only reads rows
-- whose transaction is older than the oldest transaction still running
-- (pg_snapshot_xmin), so an event committed late by a slow transaction can
-- never be skipped: it is not visible to anyone until everything before it
-- in that order is final.

CREATE TABLE portcullis_streams (
  stream_name text PRIMARY KEY,
  -- revision of the last event of the stream
  revision bigint NOT NULL,
  -- hash of the last event: the next event's prevHash
  last_hash text NOT NULL
);

CREATE TABLE portcullis_events (
  global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
  stream_name text NOT NULL,
  stream_revision bigint NOT NULL,
  event_id uuid NOT NULL UNIQUE,
  event_type text NOT NULL,
  schema_version integer NOT NULL,
  data jsonb NOT NULL,
  metadata jsonb NOT NULL,
  hash text NOT NULL,
  UNIQUE (stream_name, stream_revision)
);

CREATE INDEX portcullis_events_global_order ON portcullis_events (transaction_id, global_position);

CREATE TABLE portcullis_checkpoints (
  subscriber_id text PRIMARY KEY,
  commit_position xid8 NOT NULL,
  prepare_position bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Appends a group-commit batch: one call, one round trip, one implicit
-- transaction, a plan PostgreSQL caches. The writer has already built each
-- request's hash chain on the stream head it knows; `batch` is a JSON array of
--   {"req", "stream", "expected": "any"|"no_stream"|"stream_exists"|"<revision>",
--    "base_revision", "base_hash",
--    "events": [{"id", "type", "schema_version", "data", "metadata", "hash", "revision"}]}
-- and for each request, in order, the answer is ok | idempotent | conflict |
-- duplicate | stale (the head moved: here is the real one, chain again).
--
-- 1. Advisory locks per stream, in key order (no deadlocks). They assign no
--    transaction id, so the batch gets its id only at its insert, after every
--    earlier writer of these streams has committed: the global order
--    (transaction_id, global_position) agrees with each stream's revisions.
-- 2. One set-based statement with a fresh snapshot (READ COMMITTED, volatile
--    function), so it sees what the writers we waited for committed:
--    idempotency by event id first (a retry with a stale expectation must still
--    succeed), then the expected revision, then the writer's base head; then the
--    insert of every event of the requests that passed, the move of their heads,
--    and a NOTIFY that reaches listeners when the transaction commits.
CREATE FUNCTION portcullis_append(batch jsonb)
RETURNS TABLE (req integer, outcome text, head_revision text, head_hash text, max_rev text,
               commit_position text, prepare_position text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
  PERFORM pg_advisory_xact_lock(k)
  FROM (SELECT DISTINCT hashtextextended(r->>'stream', 7243) AS k
          FROM jsonb_array_elements(batch) AS r ORDER BY 1) AS keys;

  RETURN QUERY
WITH input AS (
  SELECT * FROM jsonb_to_recordset(batch)
    AS r(req integer, stream text, expected text, base_revision bigint, base_hash text, events jsonb)
), head AS (
  -- Correlated lookups, not joins: the planner cannot size jsonb_to_recordset
  -- and would otherwise hash-join against a scan of the whole table. LIMIT 1
  -- (the keys are unique) keeps it from pulling the subqueries up into joins.
  SELECT i.req, coalesce(s.revision, -1) AS revision, coalesce(s.last_hash, repeat('0', 64)) AS hash
    FROM input AS i
    LEFT JOIN LATERAL (SELECT s.revision, s.last_hash FROM portcullis_streams AS s
                        WHERE s.stream_name = i.stream LIMIT 1) AS s ON true
), found AS (
  SELECT i.req, count(*) AS n, count(e.event_id) AS hits, bool_and(e.stream_name = i.stream) AS same_stream,
         min(e.stream_revision) AS min_rev, max(e.stream_revision) AS max_rev
    FROM input AS i
    CROSS JOIN LATERAL jsonb_array_elements(i.events) AS x
    LEFT JOIN LATERAL (SELECT e.event_id, e.stream_name, e.stream_revision FROM portcullis_events AS e
                        WHERE e.event_id = (x->>'id')::uuid LIMIT 1) AS e ON true
   GROUP BY i.req
), verdict AS (
  SELECT i.req, h.revision AS head_revision, h.hash AS head_hash, f.max_rev,
         CASE
           WHEN f.hits = f.n AND f.same_stream AND f.max_rev - f.min_rev = f.n - 1 THEN 'idempotent'
           WHEN f.hits > 0 THEN 'duplicate'
           WHEN NOT (i.expected = 'any'
                     OR (i.expected = 'no_stream' AND h.revision = -1)
                     OR (i.expected = 'stream_exists' AND h.revision >= 0)
                     OR (i.expected ~ '^[0-9]+$' AND h.revision = i.expected::bigint)) THEN 'conflict'
           WHEN i.base_revision IS DISTINCT FROM h.revision OR i.base_hash IS DISTINCT FROM h.hash THEN 'stale'
           ELSE 'ok'
         END AS outcome
    FROM input AS i JOIN head AS h USING (req) JOIN found AS f USING (req)
), inserted AS (
  INSERT INTO portcullis_events
    (stream_name, stream_revision, event_id, event_type, schema_version, data, metadata, hash)
  SELECT i.stream, (x->>'revision')::bigint, (x->>'id')::uuid, x->>'type', (x->>'schema_version')::integer,
         x->'data', x->'metadata', x->>'hash'
    FROM input AS i JOIN verdict AS v USING (req)
         CROSS JOIN LATERAL jsonb_array_elements(i.events) WITH ORDINALITY AS t(x, n)
   WHERE v.outcome = 'ok'
   ORDER BY i.req, t.n
  RETURNING stream_name, stream_revision, transaction_id, global_position
), moved AS (
  INSERT INTO portcullis_streams AS s (stream_name, revision, last_hash)
  SELECT i.stream, (i.events->-1->>'revision')::bigint, i.events->-1->>'hash'
    FROM input AS i JOIN verdict AS v USING (req)
   WHERE v.outcome = 'ok'
  ON CONFLICT (stream_name) DO UPDATE SET revision = EXCLUDED.revision, last_hash = EXCLUDED.last_hash
), notified AS MATERIALIZED (
  SELECT pg_notify('portcullis_events', '') FROM verdict WHERE outcome = 'ok' LIMIT 1
)
SELECT v.req, v.outcome, v.head_revision::text AS head_revision, v.head_hash, v.max_rev::text AS max_rev,
       coalesce(ins.transaction_id, prev.transaction_id)::text AS commit_position,
       coalesce(ins.global_position, prev.global_position)::text AS prepare_position
  FROM verdict AS v JOIN input AS i USING (req)
  LEFT JOIN inserted AS ins
         ON v.outcome = 'ok' AND ins.stream_name = i.stream
        AND ins.stream_revision = (i.events->-1->>'revision')::bigint
  LEFT JOIN LATERAL (SELECT prev.transaction_id, prev.global_position FROM portcullis_events AS prev
                      WHERE v.outcome = 'idempotent' AND prev.stream_name = i.stream
                        AND prev.stream_revision = v.max_rev LIMIT 1) AS prev ON true
  -- A reference that makes the NOTIFY run (an unreferenced SELECT in WITH is skipped).
 WHERE (SELECT count(*) FROM notified) >= 0
 ORDER BY v.req;
END;
$$;
