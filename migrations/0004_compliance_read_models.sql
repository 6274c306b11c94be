-- Compliance read models, kept by the `commands`, `identities` and
-- `sensitive_access` projections. Derived data: each projection's tables can
-- be dropped and rebuilt from the events (`portcullis projections rebuild`).
-- Rows are ordered by the global position (commit, prepare) of the event
-- that created them, which is also what the API's cursors page on.
--
-- Each projection keeps its own copy of who opened which session
-- (`*_sessions`): a projection reads only its own tables, so it can be
-- rebuilt on its own, in any order relative to the others.

-- `commands`: one row per statement or shell command.
CREATE TABLE portcullis_rm_commands_sessions (
  session_id text PRIMARY KEY,
  protocol text NOT NULL,
  target_name text NOT NULL,
  subject text,
  issuer text,
  app_id text,
  tenant_id text,
  identity_kind text
);

CREATE TABLE portcullis_rm_commands (
  session_id text NOT NULL,
  sequence integer NOT NULL,
  -- The CommandReceived event's global position.
  position_commit numeric(20) NOT NULL,
  position_prepare numeric(20) NOT NULL,
  protocol text NOT NULL,
  target_name text,
  subject text,
  issuer text,
  app_id text,
  tenant_id text,
  -- The text as recorded by CommandReceived (never bound parameters or result values).
  text text NOT NULL,
  -- {kinds, objects, columns_read, writes} for SQL; {kinds: [program], sudo} for SSH.
  classification jsonb NOT NULL,
  -- The last decision: allow | deny | review (review: no decision after it yet).
  outcome text,
  reasons jsonb NOT NULL DEFAULT '[]',
  policy_revision text,
  approval_id text,
  -- received | forwarded | completed | failed | blocked | unknown
  status text NOT NULL,
  -- Why it was blocked, or why its outcome is unknown.
  status_reason text,
  -- [{column, method, rule?, detector?, count}] from ResultMasked: names and counts, never values.
  masks jsonb NOT NULL DEFAULT '[]',
  masked_values integer NOT NULL DEFAULT 0,
  rows bigint,
  duration_ms double precision,
  command_tag text,
  error_code text,
  received_at timestamptz NOT NULL,
  completed_at timestamptz,
  PRIMARY KEY (session_id, sequence)
);

CREATE UNIQUE INDEX portcullis_rm_commands_position ON portcullis_rm_commands (position_commit, position_prepare);
CREATE INDEX portcullis_rm_commands_identity ON portcullis_rm_commands (subject, issuer);
CREATE INDEX portcullis_rm_commands_received_at ON portcullis_rm_commands (received_at);

-- `identities`: one row per identity (issuer + subject), and the targets it reached.
CREATE TABLE portcullis_rm_identities_sessions (
  session_id text PRIMARY KEY,
  protocol text NOT NULL,
  target_name text NOT NULL,
  subject text,
  issuer text,
  app_id text,
  tenant_id text,
  identity_kind text
);

CREATE TABLE portcullis_rm_identities (
  issuer text NOT NULL,
  subject text NOT NULL,
  app_id text,
  tenant_id text,
  identity_kind text,
  -- The global position of the first event that named this identity.
  position_commit numeric(20) NOT NULL,
  position_prepare numeric(20) NOT NULL,
  sessions integer NOT NULL DEFAULT 0,
  sessions_rejected integer NOT NULL DEFAULT 0,
  commands integer NOT NULL DEFAULT 0,
  denials integer NOT NULL DEFAULT 0,
  reviews integer NOT NULL DEFAULT 0,
  masked_values integer NOT NULL DEFAULT 0,
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  PRIMARY KEY (issuer, subject)
);

CREATE TABLE portcullis_rm_identity_targets (
  issuer text NOT NULL,
  subject text NOT NULL,
  target_name text NOT NULL,
  sessions integer NOT NULL DEFAULT 0,
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  PRIMARY KEY (issuer, subject, target_name)
);

-- `sensitive_access`: one row per masked column (or detector hit) of a command's results.
CREATE TABLE portcullis_rm_sensitive_access_sessions (
  session_id text PRIMARY KEY,
  protocol text NOT NULL,
  target_name text NOT NULL,
  subject text,
  issuer text,
  app_id text,
  tenant_id text,
  identity_kind text
);

CREATE TABLE portcullis_rm_sensitive_access (
  -- The ResultMasked event's global position, and the column's place in it.
  position_commit numeric(20) NOT NULL,
  position_prepare numeric(20) NOT NULL,
  item integer NOT NULL,
  session_id text NOT NULL,
  sequence integer NOT NULL,
  target_name text,
  subject text,
  issuer text,
  app_id text,
  tenant_id text,
  column_name text NOT NULL,
  method text NOT NULL,
  rule text,
  detector text,
  value_count integer NOT NULL,
  accessed_at timestamptz NOT NULL,
  PRIMARY KEY (position_commit, position_prepare, item)
);

CREATE INDEX portcullis_rm_sensitive_access_identity ON portcullis_rm_sensitive_access (subject, issuer);
CREATE INDEX portcullis_rm_sensitive_access_at ON portcullis_rm_sensitive_access (accessed_at);
