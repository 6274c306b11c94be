import { type JsonSchema } from './check-schema.js';

/**
 * Compiles a schema (the checkSchema subset) into a yes/no predicate for the
 * decision path: no paths or messages are built, so a valid value costs a
 * walk and nothing else. When it says no, run checkSchema for the reasons.
 */
export type SchemaPredicate = (value: unknown) => boolean;

export function compileSchema(root: JsonSchema): SchemaPredicate {
  const compiled = new Map<JsonSchema, SchemaPredicate>();
  const compile = (schema: JsonSchema): SchemaPredicate => {
    const known = compiled.get(schema);
    if (known) return known;
    // Late-bound so recursive $refs compile.
    let predicate: SchemaPredicate = () => false;
    compiled.set(schema, (value) => predicate(value));
    predicate = build(schema, compile, root);
    return predicate;
  };
  return compile(root);
}

function build(
  schema: JsonSchema,
  compile: (s: JsonSchema) => SchemaPredicate,
  root: JsonSchema,
): SchemaPredicate {
  const checks: SchemaPredicate[] = [];
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/$defs/', '');
    const target = (root.$defs as Record<string, JsonSchema>)[name];
    if (!target) throw new Error(`schema reference ${schema.$ref} cannot be resolved`);
    const ref = compile(target);
    checks.push((v) => ref(v));
  }
  if (schema.type !== undefined) checks.push(typeCheck(schema.type as string));
  if (Array.isArray(schema.enum)) {
    const allowed = new Set(schema.enum);
    checks.push((v) => allowed.has(v));
  }
  if (typeof schema.minimum === 'number') {
    const min = schema.minimum;
    checks.push((v) => typeof v !== 'number' || v >= min);
  }
  if (Array.isArray(schema.anyOf)) {
    const options = (schema.anyOf as JsonSchema[]).map(compile);
    checks.push((v) => options.some((o) => o(v)));
  }
  if (schema.items) {
    const item = compile(schema.items as JsonSchema);
    checks.push((v) => !Array.isArray(v) || v.every(item));
  }
  const objectCheck = buildObject(schema, compile);
  if (objectCheck) checks.push((v) => !isObject(v) || objectCheck(v));
  return (value) => {
    for (const check of checks) if (!check(value)) return false;
    return true;
  };
}

function buildObject(
  schema: JsonSchema,
  compile: (s: JsonSchema) => SchemaPredicate,
): ((v: Record<string, unknown>) => boolean) | undefined {
  const required = (schema.required as string[] | undefined) ?? [];
  const properties = Object.entries((schema.properties as Record<string, JsonSchema> | undefined) ?? {}).map(
    ([k, s]) => [k, compile(s)] as const,
  );
  const known = new Set(properties.map(([k]) => k));
  const extra = schema.additionalProperties;
  const extraCheck = isObject(extra) ? compile(extra as JsonSchema) : undefined;
  if (required.length === 0 && properties.length === 0 && extra === undefined) return undefined;
  return (v) => {
    for (const key of required) if (!(key in v)) return false;
    for (const [key, check] of properties) if (key in v && !check(v[key])) return false;
    if (extra === false || extraCheck) {
      for (const key in v) {
        if (known.has(key)) continue;
        if (extra === false || !extraCheck!(v[key])) return false;
      }
    }
    return true;
  };
}

function typeCheck(type: string): SchemaPredicate {
  switch (type) {
    case 'object':
      return isObject;
    case 'array':
      return Array.isArray;
    case 'string':
      return (v) => typeof v === 'string';
    case 'boolean':
      return (v) => typeof v === 'boolean';
    case 'null':
      return (v) => v === null;
    case 'number':
      return (v) => typeof v === 'number' && Number.isFinite(v);
    case 'integer':
      return Number.isInteger;
    default:
      throw new Error(`schema type ${type} is not supported`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
