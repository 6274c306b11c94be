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

-- Appends a group-commit batch in one round trip (one implicit transaction
-- when called outside BEGIN). `batch` is a JSON array of requests:
--   {"stream": text, "expected": "any"|"no_stream"|"stream_exists"|"<revision>",
--    "events": [{"id", "type", "schema_version", "data", "metadata", "content_hash"}]}
-- One result row per request, in order: outcome ok | idempotent | conflict | duplicate.
--
-- Set-based, a fixed five statements per batch however many requests it holds:
-- 1. Advisory locks per stream, in key order (no deadlocks). They assign no
--    transaction id, so this batch gets its id only at its insert, after every
--    earlier writer of these streams has committed: the global order
--    (transaction_id, global_position) agrees with each stream's revision order.
-- 2. The stored ids and 3. the stream heads, each read with a fresh snapshot
--    (READ COMMITTED, volatile function), so they see what the writers we
--    waited for committed.
--    Then, in memory: idempotency first (a retry with a stale expectation must
--    still succeed), the expected-revision check, and the chain:
--    hash = sha256(prevHash || ':' || revision || ':' || content_hash).
-- 4. One multi-row insert; 5. one upsert of the heads. NOTIFY wakes live
--    subscribers when the transaction commits (never before).
CREATE FUNCTION portcullis_append(batch jsonb)
RETURNS TABLE (request integer, outcome text, revision bigint, commit_position text, prepare_position bigint,
               detail text)
LANGUAGE plpgsql AS $$
DECLARE
  stored jsonb;
  heads jsonb;
  req jsonb;
  ev jsonb;
  idx integer;
  stream text;
  expected text;
  head jsonb;
  head_revision bigint;
  head_hash text;
  hit jsonb;
  hits integer;
  same_stream boolean;
  min_rev bigint;
  max_rev bigint;
  n integer;
  outcomes jsonb := '[]';
  s_stream text[] := '{}';
  s_revision bigint[] := '{}';
  s_id uuid[] := '{}';
  s_type text[] := '{}';
  s_version integer[] := '{}';
  s_data jsonb[] := '{}';
  s_metadata jsonb[] := '{}';
  s_hash text[] := '{}';
  positions jsonb;
BEGIN
  PERFORM pg_advisory_xact_lock(k)
     FROM (SELECT DISTINCT hashtextextended(r->>'stream', 7243) AS k
             FROM jsonb_array_elements(batch) AS r ORDER BY 1) AS keys;

  SELECT coalesce(jsonb_object_agg(e.event_id::text,
           jsonb_build_array(e.stream_name, e.stream_revision, e.transaction_id::text, e.global_position)), '{}')
    INTO stored
    FROM portcullis_events AS e
   WHERE e.event_id IN (SELECT (x->>'id')::uuid FROM jsonb_array_elements(batch) AS r,
                                                   jsonb_array_elements(r->'events') AS x);

  SELECT coalesce(jsonb_object_agg(s.stream_name, jsonb_build_array(s.revision, s.last_hash)), '{}')
    INTO heads
    FROM portcullis_streams AS s
   WHERE s.stream_name IN (SELECT r->>'stream' FROM jsonb_array_elements(batch) AS r);

  idx := 0;
  FOR req IN SELECT value FROM jsonb_array_elements(batch) LOOP
    idx := idx + 1;
    stream := req->>'stream';
    expected := req->>'expected';
    n := jsonb_array_length(req->'events');

    hits := 0; same_stream := true; min_rev := NULL; max_rev := NULL;
    FOR ev IN SELECT value FROM jsonb_array_elements(req->'events') LOOP
      hit := stored->(ev->>'id');
      CONTINUE WHEN hit IS NULL;
      hits := hits + 1;
      same_stream := same_stream AND hit->>0 = stream;
      min_rev := least(min_rev, (hit->>1)::bigint);
      max_rev := greatest(max_rev, (hit->>1)::bigint);
    END LOOP;
    IF hits = n AND same_stream AND max_rev - min_rev = n - 1 THEN
      -- positions of the earlier append: the hit with the highest revision
      FOR ev IN SELECT value FROM jsonb_array_elements(req->'events') LOOP
        hit := stored->(ev->>'id');
        IF (hit->>1)::bigint = max_rev THEN
          outcomes := outcomes || jsonb_build_array(jsonb_build_object('o', 'idempotent', 'r', max_rev,
                                   'c', hit->>2, 'p', (hit->>3)::bigint, 'last', ev->>'id'));
        END IF;
      END LOOP;
      CONTINUE;
    ELSIF hits > 0 THEN
      outcomes := outcomes || jsonb_build_array(jsonb_build_object('o', 'duplicate', 'd',
        (SELECT string_agg(x->>'id', ', ') FROM jsonb_array_elements(req->'events') AS x WHERE stored ? (x->>'id'))));
      CONTINUE;
    END IF;

    head := heads->stream;
    head_revision := coalesce((head->>0)::bigint, -1);
    head_hash := coalesce(head->>1, repeat('0', 64));
    IF NOT (expected = 'any'
            OR (expected = 'no_stream' AND head_revision = -1)
            OR (expected = 'stream_exists' AND head_revision >= 0)
            OR (expected ~ '^[0-9]+$' AND head_revision = expected::bigint)) THEN
      outcomes := outcomes || jsonb_build_array(jsonb_build_object('o', 'conflict', 'r', head_revision));
      CONTINUE;
    END IF;

    FOR ev IN SELECT value FROM jsonb_array_elements(req->'events') LOOP
      head_revision := head_revision + 1;
      s_stream := s_stream || stream;
      s_revision := s_revision || head_revision;
      s_id := s_id || (ev->>'id')::uuid;
      s_type := s_type || (ev->>'type');
      s_version := s_version || (ev->>'schema_version')::integer;
      s_data := s_data || (ev->'data');
      s_metadata := s_metadata || ((ev->'metadata') || jsonb_build_object('prevHash', head_hash));
      head_hash := encode(sha256(convert_to(head_hash || ':' || head_revision || ':' || (ev->>'content_hash'), 'UTF8')), 'hex');
      s_hash := s_hash || head_hash;
      -- later requests of this batch see these events (idempotent repeats) and this head
      stored := stored || jsonb_build_object(ev->>'id', jsonb_build_array(stream, head_revision, NULL, NULL));
    END LOOP;
    heads := heads || jsonb_build_object(stream, jsonb_build_array(head_revision, head_hash));
    outcomes := outcomes || jsonb_build_array(jsonb_build_object('o', 'ok', 'r', head_revision,
                                                                  'last', req->'events'->(n - 1)->>'id'));
  END LOOP;

  IF cardinality(s_id) > 0 THEN
    WITH inserted AS (
      INSERT INTO portcullis_events
        (stream_name, stream_revision, event_id, event_type, schema_version, data, metadata, hash)
      SELECT * FROM unnest(s_stream, s_revision, s_id, s_type, s_version, s_data, s_metadata, s_hash)
      RETURNING event_id, transaction_id, global_position
    )
    SELECT jsonb_object_agg(event_id::text, jsonb_build_array(transaction_id::text, global_position))
      INTO positions FROM inserted;

    INSERT INTO portcullis_streams AS s (stream_name, revision, last_hash)
    SELECT h.key, (h.value->>0)::bigint, h.value->>1
      FROM jsonb_each(heads) AS h
     WHERE h.key = ANY (s_stream)
    ON CONFLICT (stream_name) DO UPDATE SET revision = EXCLUDED.revision, last_hash = EXCLUDED.last_hash;

    PERFORM pg_notify('portcullis_events', '');
  END IF;

  idx := 0;
  FOR req IN SELECT value FROM jsonb_array_elements(outcomes) LOOP
    idx := idx + 1;
    request := idx;
    outcome := req->>'o';
    revision := (req->>'r')::bigint;
    detail := req->>'d';
    IF outcome = 'ok' OR (outcome = 'idempotent' AND req->>'c' IS NULL) THEN
      -- written now (or a repeat of an append earlier in this same batch)
      commit_position := positions->(req->>'last')->>0;
      prepare_position := (positions->(req->>'last')->>1)::bigint;
    ELSE
      commit_position := req->>'c';
      prepare_position := (req->>'p')::bigint;
    END IF;
    RETURN NEXT;
  END LOOP;
END;
$$;
