import type { CommandClassification } from './classification.js';

/**
 * Built-in functions that neither change data nor server state, nor read
 * anything outside the query's relations: aggregates, comparison and
 * formatting helpers, the session's clock and identity. A bounded list on
 * purpose: a function not in it (a user's function, an unknown or volatile
 * built-in) makes a statement not effect-free.
 */
const EFFECT_FREE_FUNCTIONS = new Set([
  // aggregates
  'count',
  'sum',
  'avg',
  'min',
  'max',
  'bool_and',
  'bool_or',
  'every',
  'string_agg',
  'array_agg',
  'json_agg',
  'jsonb_agg',
  'json_object_agg',
  'jsonb_object_agg',
  'stddev',
  'variance',
  // conditionals, comparison, numbers
  'coalesce',
  'nullif',
  'greatest',
  'least',
  'abs',
  'ceil',
  'ceiling',
  'floor',
  'round',
  'trunc',
  'mod',
  'power',
  'sqrt',
  'sign',
  // text
  'lower',
  'upper',
  'length',
  'char_length',
  'octet_length',
  'substring',
  'substr',
  'trim',
  'btrim',
  'ltrim',
  'rtrim',
  'concat',
  'concat_ws',
  'replace',
  'left',
  'right',
  'position',
  'strpos',
  'format',
  'to_char',
  'lpad',
  'rpad',
  'split_part',
  'starts_with',
  // time and session facts
  'now',
  'current_timestamp',
  'current_date',
  'current_time',
  'localtimestamp',
  'date_trunc',
  'date_part',
  'extract',
  'age',
  'make_interval',
  'to_timestamp',
  'to_date',
  // json
  'jsonb_build_object',
  'json_build_object',
  'jsonb_build_array',
  'json_build_array',
  'to_json',
  'to_jsonb',
  'row_to_json',
  'jsonb_typeof',
  'json_typeof',
  'jsonb_array_length',
  // arrays and series
  'array_length',
  'cardinality',
  'unnest',
  'generate_series',
  'row_number',
  'rank',
  'dense_rank',
  'lag',
  'lead',
  'first_value',
  'last_value',
]);

/** A `FOR UPDATE|NO KEY UPDATE|SHARE|KEY SHARE` clause takes row locks: an effect on other sessions. */
const LOCKING_CLAUSE = /\bfor\s+(?:no\s+key\s+update|update|key\s+share|share)\b/i;

function effectFreeFunction(name: string): boolean {
  const dot = name.lastIndexOf('.');
  if (dot >= 0 && name.slice(0, dot) !== 'pg_catalog') return false; // another schema's function of that name
  return EFFECT_FREE_FUNCTIONS.has(dot < 0 ? name : name.slice(dot + 1));
}

/**
 * True only for a command that can have no effect on the database or the
 * server: exactly one plain SELECT (no INTO, no data-modifying CTE, no
 * locking clause), whose every function is a known effect-free built-in.
 * The proxy may forward such a command before its audit record is durable,
 * holding the result until it is (docs/architecture.md "When a statement
 * waits"). Anything else, including what this cannot see, answers false.
 *
 * Relations are taken for what they are named: a view whose definition
 * calls a volatile function runs it (`audit.overlapReads: false` turns the
 * overlap off for such databases).
 */
export function isEffectFree(command: CommandClassification): boolean {
  if (command.statements.length !== 1) return false;
  const [statement] = command.statements;
  return (
    statement!.kind === 'select' &&
    !statement!.writes &&
    !statement!.dynamic_sql &&
    !statement!.explain_analyze &&
    statement!.copy === null &&
    statement!.nested_kinds.length === 0 &&
    statement!.functions.every(effectFreeFunction) &&
    !LOCKING_CLAUSE.test(statement!.text)
  );
}
