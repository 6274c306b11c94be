import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';

/**
 * JSON Schema validation of policy inputs and decisions, by TypeBox's
 * compiler (the validator the rest of Portcullis uses): each schema is
 * compiled once to a function, so checking every decision costs a call.
 */
export interface JsonSchema {
  [keyword: string]: unknown;
}

export interface SchemaProblem {
  path: string;
  message: string;
}

export type SchemaPredicate = (value: unknown) => boolean;

type CompiledSchema = ReturnType<typeof Compile>;
const compiled = new WeakMap<JsonSchema, CompiledSchema>();

function compiledFor(schema: JsonSchema): CompiledSchema {
  let validator = compiled.get(schema);
  if (!validator) {
    validator = Compile(schema as TSchema);
    compiled.set(schema, validator);
  }
  return validator;
}

/** A yes/no predicate for the decision path; ask `checkSchema` for the reasons. */
export function compileSchema(schema: JsonSchema): SchemaPredicate {
  const validator = compiledFor(schema);
  return (value) => validator.Check(value);
}

/** Every problem, each with the JSON pointer of the offending value. */
export function checkSchema(schema: JsonSchema, value: unknown): SchemaProblem[] {
  const validator = compiledFor(schema);
  if (validator.Check(value)) return [];
  return [...validator.Errors(value)]
    .filter((e) => e.keyword !== 'boolean') // TypeBox reports additionalProperties twice
    .map((e) => ({ path: e.instancePath || '/', message: e.message }));
}

/** Every error as the validator reports it (keyword and params too), for callers that word their own messages. */
export function schemaErrors(
  schema: JsonSchema,
  value: unknown,
): { path: string; message: string; keyword: string; params: Record<string, unknown> }[] {
  const validator = compiledFor(schema);
  if (validator.Check(value)) return [];
  return [...validator.Errors(value)].map((e) => ({
    path: e.instancePath || '/',
    message: e.message,
    keyword: e.keyword,
    params: (e.params ?? {}) as Record<string, unknown>,
  }));
}
