-- The front end a session came through (SessionOpened/SessionRejected
-- `frontEnd`): `wire` for psql/ssh clients on a proxy listener, `mcp` for
-- agents on /mcp. Sessions recorded before the field existed are wire.
ALTER TABLE portcullis_rm_sessions ADD COLUMN front_end text NOT NULL DEFAULT 'wire';
