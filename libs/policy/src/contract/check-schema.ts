/**
 * A JSON Schema checker for the subset our two schemas use (type, enum,
 * properties, required, additionalProperties, items, anyOf, minimum, $ref to
 * #/$defs). Written here rather than pulling a validator in: decisions are
 * checked on every call, the subset is small, and an unsupported keyword is
 * refused loudly instead of silently ignored.
 */
export interface JsonSchema {
  [keyword: string]: unknown;
}

export interface SchemaProblem {
  path: string;
  message: string;
}

const annotations = new Set(['$schema', '$id', 'title', 'description', '$defs']);
const supported = new Set([
  'type',
  'enum',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'anyOf',
  'minimum',
  '$ref',
]);

export function checkSchema(schema: JsonSchema, value: unknown): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  visit(schema, schema, value, '', problems);
  return problems;
}

function visit(
  root: JsonSchema,
  schema: JsonSchema,
  value: unknown,
  path: string,
  out: SchemaProblem[],
): void {
  for (const keyword of Object.keys(schema)) {
    if (!annotations.has(keyword) && !supported.has(keyword)) {
      throw new Error(`schema keyword ${keyword} is not supported by checkSchema`);
    }
  }
  if (typeof schema.$ref === 'string') {
    visit(root, resolve(root, schema.$ref), value, path, out);
  }
  if (schema.type !== undefined && !hasType(value, schema.type as string)) {
    out.push({ path, message: `must be ${String(schema.type)}, got ${typeName(value)}` });
    return;
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) {
    out.push({ path, message: `must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}` });
  }
  if (typeof schema.minimum === 'number' && typeof value === 'number' && value < schema.minimum) {
    out.push({ path, message: `must be >= ${schema.minimum}` });
  }
  if (Array.isArray(schema.anyOf)) {
    const fits = (schema.anyOf as JsonSchema[]).some(
      (option) => checkAt(root, option, value, path).length === 0,
    );
    if (!fits) out.push({ path, message: 'matches none of the allowed shapes' });
  }
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, i) => visit(root, schema.items as JsonSchema, item, `${path}/${i}`, out));
  }
  if (isObject(value)) visitObject(root, schema, value, path, out);
}

function visitObject(
  root: JsonSchema,
  schema: JsonSchema,
  value: Record<string, unknown>,
  path: string,
  out: SchemaProblem[],
): void {
  for (const key of (schema.required as string[] | undefined) ?? []) {
    if (!(key in value)) out.push({ path: `${path}/${key}`, message: 'is required' });
  }
  const properties = (schema.properties as Record<string, JsonSchema> | undefined) ?? {};
  for (const [key, child] of Object.entries(value)) {
    const childSchema = properties[key];
    if (childSchema) visit(root, childSchema, child, `${path}/${key}`, out);
    else if (schema.additionalProperties === false)
      out.push({ path: `${path}/${key}`, message: 'is not allowed' });
    else if (isObject(schema.additionalProperties)) {
      visit(root, schema.additionalProperties as JsonSchema, child, `${path}/${key}`, out);
    }
  }
}

function checkAt(root: JsonSchema, schema: JsonSchema, value: unknown, path: string): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  visit(root, schema, value, path, out);
  return out;
}

function resolve(root: JsonSchema, ref: string): JsonSchema {
  const match = /^#\/\$defs\/([\w-]+)$/.exec(ref);
  const target = match ? (root.$defs as Record<string, JsonSchema> | undefined)?.[match[1]!] : undefined;
  if (!target) throw new Error(`schema reference ${ref} cannot be resolved`);
  return target;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return Number.isInteger(value);
    default:
      throw new Error(`schema type ${type} is not supported by checkSchema`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
