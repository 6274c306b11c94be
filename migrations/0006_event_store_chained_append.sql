-- The fast path of a group-commit batch: every request chained by the writer
-- on the stream head it holds, nothing to decide but "is that still the head".
--
-- portcullis_append (0001) answers every case (idempotent re-append,
-- duplicate, conflict, stale head) and stays the path for all of them. Most
-- batches are none of those: each request's writer knows its stream's head
-- (it wrote the last event itself), its expected revision agrees with that
-- head, and its event ids are new. For such a batch this function does only
-- what the answer needs, with no JSON document to take apart and no verdict to
-- compute:
--
-- 1. The same advisory locks as portcullis_append, the same keys, in key
--    order, before anything assigns a transaction id: both functions exclude
--    each other per stream, and the global order (transaction_id,
--    global_position) agrees with each stream's revisions, as in 0001.
-- 2. Each head moves from the writer's base to its last event (UPDATE where
--    revision and hash are the base; INSERT for a new stream, ON CONFLICT DO
--    NOTHING), one statement each with a fresh snapshot (READ COMMITTED) taken
--    after the locks. If any head was not the writer's base, nothing may be
--    written: the function raises SQLSTATE PC001 and the whole call rolls
--    back; the writer asks portcullis_append, which answers stale, conflict,
--    idempotent or duplicate per request.
-- 3. One multi-row INSERT of every event, in request order (ORDER BY, so
--    global positions follow revisions within each stream). An event id that
--    exists already (a retry after an unknown outcome, a duplicate) fails it
--    on the unique index (23505), and the writer asks portcullis_append too.
-- 4. The NOTIFY, sent when the transaction commits.
--
-- Arrays, one element per request: streams, base_revisions (-1: a new
-- stream), base_hashes, last_revisions, last_hashes. One element per event, in
-- order: event_requests (1-based index into the request arrays), ids, types,
-- schema_versions, revisions, hashes; data and metadata are JSON arrays of the
-- events' canonical texts (metadata with prevHash). Answers, per request, the
-- position of its last event.
CREATE FUNCTION portcullis_append_chained(
  streams text[], base_revisions bigint[], base_hashes text[], last_revisions bigint[], last_hashes text[],
  event_requests integer[], ids uuid[], types text[], schema_versions integer[], revisions bigint[],
  hashes text[], data jsonb, metadata jsonb)
RETURNS TABLE (req integer, commit_position text, prepare_position text)
LANGUAGE plpgsql AS $$
#variable_conflict error
DECLARE
  moved bigint;
  created bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(k)
  FROM (SELECT DISTINCT hashtextextended(s, 7243) AS k FROM unnest(streams) AS s ORDER BY 1) AS keys;

  UPDATE portcullis_streams AS s
     SET revision = h.last_revision, last_hash = h.last_hash
    FROM unnest(streams, base_revisions, base_hashes, last_revisions, last_hashes)
      AS h(stream, base_revision, base_hash, last_revision, last_hash)
   WHERE h.base_revision >= 0 AND s.stream_name = h.stream
     AND s.revision = h.base_revision AND s.last_hash = h.base_hash;
  GET DIAGNOSTICS moved = ROW_COUNT;
  INSERT INTO portcullis_streams (stream_name, revision, last_hash)
  SELECT h.stream, h.last_revision, h.last_hash
    FROM unnest(streams, base_revisions, last_revisions, last_hashes)
      AS h(stream, base_revision, last_revision, last_hash)
   WHERE h.base_revision = -1
  ON CONFLICT (stream_name) DO NOTHING;
  GET DIAGNOSTICS created = ROW_COUNT;
  IF moved + created <> cardinality(streams) THEN
    RAISE EXCEPTION 'a stream head is not where its writer chained on it' USING ERRCODE = 'PC001';
  END IF;

  RETURN QUERY
  WITH inserted AS (
    INSERT INTO portcullis_events
      (stream_name, stream_revision, event_id, event_type, schema_version, data, metadata, hash)
    SELECT streams[e.req], e.revision, e.id, e.type, e.schema_version, e.data, e.metadata, e.hash
      FROM ROWS FROM (unnest(event_requests), unnest(ids), unnest(types), unnest(schema_versions),
                      unnest(revisions), unnest(hashes),
                      jsonb_array_elements(data), jsonb_array_elements(metadata))
        WITH ORDINALITY AS e(req, id, type, schema_version, revision, hash, data, metadata, n)
     ORDER BY e.n
    RETURNING stream_name, stream_revision, transaction_id, global_position
  )
  SELECT r.req::integer, ins.transaction_id::text, ins.global_position::text
    FROM unnest(streams, last_revisions) WITH ORDINALITY AS r(stream, last_revision, req)
    JOIN inserted AS ins ON ins.stream_name = r.stream AND ins.stream_revision = r.last_revision;

  PERFORM pg_notify('portcullis_events', '');
END;
$$;
