import { asNode, stringsOf, tagOf, type Node, type NodeBody } from './nodes.js';

/**
 * Is a WHERE clause always true, i.e. does the UPDATE/DELETE hit every row?
 * A small three-valued evaluator over constants, plus the shapes people use
 * to defeat "WHERE required" rules: `x = x`, `x OR true`, `NOT false`,
 * `x LIKE '%'`, `x IS NULL OR x IS NOT NULL`, `EXISTS (SELECT 1)`.
 * Comparing a column with itself is false for NULLs, but it still names
 * every non-null row, which is what the rule is about.
 */
export function isTautology(where: Node): boolean {
  return truthOf(where) === true;
}

type Truth = boolean | undefined; // undefined: depends on the row
type Constant =
  | { type: 'number'; value: number }
  | { type: 'string'; value: string }
  | { type: 'bool'; value: boolean }
  | { type: 'null' };

function truthOf(node: Node): Truth {
  const bool = asNode(node, 'BoolExpr');
  if (bool !== undefined) {
    const args = (bool.args ?? []).map(truthOf);
    if (bool.boolop === 'NOT_EXPR') return args[0] === undefined ? undefined : !args[0];
    if (bool.boolop === 'OR_EXPR') {
      if (args.includes(true) || complementaryPair(bool.args ?? [])) return true;
      return args.every((arg) => arg === false) ? false : undefined;
    }
    if (args.includes(false)) return false;
    return args.every((arg) => arg === true) ? true : undefined;
  }
  const tag = tagOf(node);
  if (tag === 'A_Const' || tag === 'TypeCast') {
    const constant = constantOf(node);
    return constant?.type === 'bool' ? constant.value : undefined;
  }
  const expr = asNode(node, 'A_Expr');
  if (expr !== undefined) return comparisonTruth(expr);
  const nullTest = asNode(node, 'NullTest');
  if (nullTest?.arg !== undefined) {
    const arg = constantOf(nullTest.arg);
    if (arg === undefined) return undefined;
    return (arg.type === 'null') === (nullTest.nulltesttype === 'IS_NULL');
  }
  const boolTest = asNode(node, 'BooleanTest');
  if (boolTest?.arg !== undefined) {
    const arg = truthOf(boolTest.arg);
    if (arg === undefined) return undefined;
    if (boolTest.booltesttype === 'IS_TRUE') return arg;
    if (boolTest.booltesttype === 'IS_NOT_TRUE' || boolTest.booltesttype === 'IS_FALSE') return !arg;
    if (boolTest.booltesttype === 'IS_NOT_FALSE') return arg;
    return undefined;
  }
  const subLink = asNode(node, 'SubLink');
  if (subLink?.subLinkType === 'EXISTS_SUBLINK' && subLink.subselect !== undefined) {
    // EXISTS over a query with no FROM and no WHERE always finds its one row.
    const select = asNode(subLink.subselect, 'SelectStmt');
    if (select && !select.fromClause && !select.whereClause && !select.havingClause && !select.limitCount)
      return true;
  }
  return undefined;
}

const comparisons = new Set(['=', '<>', '!=', '<', '>', '<=', '>=']);

function comparisonTruth(expr: NodeBody<'A_Expr'>): Truth {
  const op = stringsOf(expr.name).join('.');
  const { lexpr, rexpr } = expr;
  if (lexpr === undefined || rexpr === undefined) return undefined;
  if (expr.kind === 'AEXPR_OP' && comparisons.has(op)) {
    const left = constantOf(lexpr);
    const right = constantOf(rexpr);
    if (left !== undefined && right !== undefined) return compareConstants(left, op, right);
    if (sameExpression(lexpr, rexpr)) return op === '=' || op === '<=' || op === '>=';
    return undefined;
  }
  if (expr.kind === 'AEXPR_NOT_DISTINCT' && sameExpression(lexpr, rexpr)) return true;
  if (expr.kind === 'AEXPR_LIKE' || expr.kind === 'AEXPR_ILIKE') {
    // `anything LIKE '%'` matches every non-null value.
    const pattern = constantOf(rexpr);
    if (pattern?.type === 'string' && /^%+$/.test(pattern.value)) return op.startsWith('!') ? false : true;
    return undefined;
  }
  if (expr.kind === 'AEXPR_IN') {
    const left = constantOf(lexpr);
    const list = asNode(rexpr, 'List')?.items ?? [];
    const hit = list.some(
      (item) => sameExpression(lexpr, item) || compareConstants(left, '=', constantOf(item)) === true,
    );
    if (hit) return op === '=';
    return undefined;
  }
  return undefined;
}

/** `x IS NULL OR x IS NOT NULL`, `p OR NOT p`: one of the pair holds for every row. */
function complementaryPair(args: readonly Node[]): boolean {
  for (let i = 0; i < args.length; i++) {
    for (let j = i + 1; j < args.length; j++) {
      const a = args[i]!;
      const b = args[j]!;
      const na = asNode(a, 'NullTest');
      const nb = asNode(b, 'NullTest');
      if (na?.arg && nb?.arg && na.nulltesttype !== nb.nulltesttype && sameExpression(na.arg, nb.arg))
        return true;
      const notB = asNode(b, 'BoolExpr');
      if (notB?.boolop === 'NOT_EXPR' && notB.args?.[0] && sameExpression(a, notB.args[0])) return true;
      const notA = asNode(a, 'BoolExpr');
      if (notA?.boolop === 'NOT_EXPR' && notA.args?.[0] && sameExpression(b, notA.args[0])) return true;
    }
  }
  return false;
}

/** Structural equality, ignoring where in the text each side was written. */
export function sameExpression(a: Node, b: Node): boolean {
  return JSON.stringify(a, withoutLocation) === JSON.stringify(b, withoutLocation);
}

function withoutLocation(key: string, value: unknown): unknown {
  return key === 'location' ? undefined : value;
}

function constantOf(node: Node): Constant | undefined {
  const constant = asNode(node, 'A_Const');
  if (constant !== undefined) {
    if (constant.isnull) return { type: 'null' };
    if (constant.ival !== undefined) return { type: 'number', value: constant.ival.ival ?? 0 };
    if (constant.fval !== undefined) return { type: 'number', value: Number(constant.fval.fval) };
    if (constant.boolval !== undefined) return { type: 'bool', value: constant.boolval.boolval ?? false };
    if (constant.sval !== undefined) return { type: 'string', value: constant.sval.sval ?? '' };
    return undefined;
  }
  const cast = asNode(node, 'TypeCast');
  if (cast?.arg !== undefined)
    return castConstant(constantOf(cast.arg), stringsOf(cast.typeName?.names).pop());
  const expr = asNode(node, 'A_Expr');
  if (expr?.kind === 'AEXPR_OP' && expr.rexpr !== undefined)
    return arithmetic(expr.lexpr, stringsOf(expr.name).join('.'), expr.rexpr);
  const bool = asNode(node, 'BoolExpr');
  if (bool !== undefined || tagOf(node) === 'NullTest' || tagOf(node) === 'BooleanTest') {
    const truth = truthOf(node);
    return truth === undefined ? undefined : { type: 'bool', value: truth };
  }
  return undefined;
}

function castConstant(value: Constant | undefined, type: string | undefined): Constant | undefined {
  if (value === undefined || type === undefined) return value;
  if (type === 'bool' || type === 'boolean') {
    if (value.type === 'bool' || value.type === 'null') return value;
    return parseBoolean(String(value.value));
  }
  if (/^(int[248]?|numeric|float[48]|decimal)$/.test(type) && value.type === 'string') {
    const n = Number(value.value);
    return Number.isNaN(n) ? undefined : { type: 'number', value: n };
  }
  return value;
}

/** PostgreSQL's boolin: any prefix of true/false/yes/no, on/off, 1/0. */
function parseBoolean(text: string): Constant | undefined {
  const t = text.trim().toLowerCase();
  if (t === '') return undefined;
  if ('true'.startsWith(t) || 'yes'.startsWith(t) || t === 'on' || t === '1')
    return { type: 'bool', value: true };
  if ('false'.startsWith(t) || 'no'.startsWith(t) || t === 'off' || t === '0')
    return { type: 'bool', value: false };
  return undefined;
}

function arithmetic(left: Node | undefined, op: string, right: Node): Constant | undefined {
  const b = constantOf(right);
  if (b?.type !== 'number') return undefined;
  if (left === undefined) return op === '-' ? { type: 'number', value: -b.value } : undefined;
  const a = constantOf(left);
  if (a?.type !== 'number') return undefined;
  if (op === '+') return { type: 'number', value: a.value + b.value };
  if (op === '-') return { type: 'number', value: a.value - b.value };
  if (op === '*') return { type: 'number', value: a.value * b.value };
  if (op === '/' && b.value !== 0) return { type: 'number', value: a.value / b.value };
  return undefined;
}

function compareConstants(a: Constant | undefined, op: string, b: Constant | undefined): Truth {
  if (a === undefined || b === undefined) return undefined;
  if (a.type === 'null' || b.type === 'null') return undefined; // NULL: the row is not hit
  let x: number | string | boolean = a.value;
  let y: number | string | boolean = b.value;
  if (a.type !== b.type) {
    // An untyped literal takes the other side's type, as in `1 = '1'`.
    const coerced = a.type === 'string' ? coerce(a.value, b.type) : coerce(b.value as string, a.type);
    if (coerced === undefined || (a.type !== 'string' && b.type !== 'string')) return undefined;
    if (a.type === 'string') x = coerced;
    else y = coerced;
  } else if (a.type === 'string' && op !== '=' && op !== '<>' && op !== '!=') {
    return undefined; // ordering of text depends on the collation
  }
  switch (op) {
    case '=':
      return x === y;
    case '<>':
    case '!=':
      return x !== y;
    case '<':
      return x < y;
    case '>':
      return x > y;
    case '<=':
      return x <= y;
    case '>=':
      return x >= y;
    default:
      return undefined;
  }
}

function coerce(text: string, type: Constant['type']): number | boolean | undefined {
  if (type === 'number') {
    const n = Number(text);
    return text.trim() === '' || Number.isNaN(n) ? undefined : n;
  }
  if (type === 'bool') {
    const parsed = parseBoolean(text);
    return parsed?.type === 'bool' ? parsed.value : undefined;
  }
  return undefined;
}
