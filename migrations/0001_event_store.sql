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

-- Wakes live subscribers on commit (NOTIFY is delivered when the appending
-- transaction commits, never before). One notification per statement.
CREATE FUNCTION portcullis_notify_appended() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('portcullis_events', '');
  RETURN NULL;
END;
$$;

CREATE TRIGGER portcullis_events_appended
  AFTER INSERT ON portcullis_events
  FOR EACH STATEMENT EXECUTE FUNCTION portcullis_notify_appended();
