-- Read model `sessions`: one row per gateway session, kept by the `sessions`
-- projection. Derived data: it can be dropped and rebuilt from the events.
CREATE TABLE portcullis_rm_sessions (
  session_id text PRIMARY KEY,
  status text NOT NULL CHECK (status IN ('open', 'closed', 'rejected')),
  protocol text NOT NULL,
  target_name text NOT NULL,
  subject text,
  issuer text,
  app_id text,
  identity_kind text,
  client_address text NOT NULL,
  policy_revision text,
  opened_at timestamptz NOT NULL,
  closed_at timestamptz,
  close_reason text,
  reject_reason text,
  commands integer NOT NULL DEFAULT 0,
  blocked integer NOT NULL DEFAULT 0,
  bytes_from_client bigint,
  bytes_to_client bigint,
  duration_ms double precision,
  gateway_instance text NOT NULL
);

CREATE INDEX portcullis_rm_sessions_opened_at ON portcullis_rm_sessions (opened_at DESC, session_id DESC);
CREATE INDEX portcullis_rm_sessions_status ON portcullis_rm_sessions (status);
