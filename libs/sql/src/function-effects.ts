/**
 * Built-in functions whose effect a classification must not miss. Matched
 * on the function's own name (the last part of a qualified name), because
 * `pg_catalog.` is on every search_path anyway. These lists are bounded and
 * incomplete by nature: `functions` in the classification is the complete
 * signal, these only set `writes` and `dynamic_sql` for the well-known ones.
 */

/** Functions that run SQL handed to them as text: the real statement is not visible. */
const sqlRunning = new Set([
  'dblink',
  'dblink_exec',
  'dblink_open',
  'dblink_send_query',
  'query_to_xml',
  'query_to_xmlschema',
  'query_to_xml_and_xmlschema',
  'cursor_to_xml',
  'ts_stat',
]);

/** Functions that change data or server state when selected. */
const writing = new Set([
  'nextval',
  'setval',
  'lo_import',
  'lo_export',
  'lo_create',
  'lo_creat',
  'lo_unlink',
  'lo_from_bytea',
  'lo_put',
  'lowrite',
  'lo_truncate',
  'pg_file_write',
  'pg_file_rename',
  'pg_file_unlink',
  'pg_logical_emit_message',
  'pg_create_restore_point',
  'dblink_exec',
]);

function ownName(qualified: string): string {
  const dot = qualified.lastIndexOf('.');
  return dot < 0 ? qualified : qualified.slice(dot + 1);
}

export function runsSqlText(functionName: string): boolean {
  return sqlRunning.has(ownName(functionName));
}

export function writesData(functionName: string): boolean {
  return writing.has(ownName(functionName));
}
