import { asNode, stringsOf, tagOf, type Node } from './nodes.js';

/**
 * The name PostgreSQL gives an unaliased result column (FigureColname):
 * a column's own name, a function's name, a cast's operand's name, ...
 * null where PostgreSQL would say `?column?`.
 */
export function outputName(node: Node): string | null {
  switch (tagOf(node)) {
    case 'ColumnRef': {
      const names = stringsOf(asNode(node, 'ColumnRef')?.fields);
      return names[names.length - 1] ?? null;
    }
    case 'FuncCall': {
      const names = stringsOf(asNode(node, 'FuncCall')?.funcname);
      return names[names.length - 1] ?? null;
    }
    case 'TypeCast': {
      const cast = asNode(node, 'TypeCast')!;
      const inner = cast.arg ? outputName(cast.arg) : null;
      return inner ?? stringsOf(cast.typeName?.names).pop() ?? null;
    }
    case 'CaseExpr':
      return 'case';
    case 'CoalesceExpr':
      return 'coalesce';
    case 'SubLink': {
      const link = asNode(node, 'SubLink')!;
      if (link.subLinkType === 'EXISTS_SUBLINK') return 'exists';
      const select = asNode(link.subselect, 'SelectStmt');
      const first = asNode(select?.targetList?.[0], 'ResTarget');
      if (link.subLinkType === 'ARRAY_SUBLINK') return 'array';
      return first?.name ?? (first?.val ? outputName(first.val) : null);
    }
    default:
      return null;
  }
}
