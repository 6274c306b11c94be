-- Read model `approvals`: one row per just-in-time approval request, kept by
-- the `approvals` projection. Derived data: it can be dropped and rebuilt
-- from the `approval-*` streams at any time.
CREATE TABLE portcullis_rm_approvals (
  approval_id text PRIMARY KEY,
  status text NOT NULL CHECK (status IN ('pending', 'granted', 'denied', 'expired', 'cancelled')),
  scope text NOT NULL CHECK (scope IN ('command', 'session')),
  session_id text NOT NULL,
  sequence integer,
  target_name text NOT NULL,
  requester_subject text NOT NULL,
  requester_issuer text NOT NULL,
  requester_app_id text,
  text text NOT NULL,
  reason text NOT NULL,
  approver_groups jsonb NOT NULL,
  min_approvals integer NOT NULL,
  window_seconds integer,
  requested_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  -- Everyone who granted, in order; the denier; refused attempts counted.
  granted_by jsonb NOT NULL DEFAULT '[]',
  denied_by jsonb,
  comment text,
  refused_attempts integer NOT NULL DEFAULT 0,
  decided_at timestamptz,
  time_to_decision_ms double precision,
  gateway_instance text NOT NULL
);

CREATE INDEX portcullis_rm_approvals_requested_at ON portcullis_rm_approvals (requested_at DESC, approval_id DESC);
CREATE INDEX portcullis_rm_approvals_status ON portcullis_rm_approvals (status);
