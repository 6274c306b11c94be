import { type Node } from 'libpg-query';

/**
 * libpg-query hands back the parse tree as protobuf JSON: every `Node` is an
 * object with exactly one key, the node's type (`{ "ColumnRef": {...} }`).
 * These helpers keep that wrapping out of the analysis code while staying
 * typed against `@pgsql/types` (re-exported by libpg-query).
 */
export type { Node };

/** Every node type name, e.g. `'SelectStmt'`, `'ColumnRef'`. */
export type NodeTag = Node extends infer N
  ? N extends Record<infer K, unknown>
    ? K & string
    : never
  : never;

/** The body of a node of type `T`. */
export type NodeBody<T extends NodeTag> = Extract<Node, Record<T, unknown>>[T];

export function tagOf(node: Node): NodeTag {
  // A wrapped node has exactly one own key; `for...in` avoids allocating
  // the array `Object.keys` would build on this hot path.
  for (const key in node) return key as NodeTag;
  throw new TypeError('empty parse-tree node');
}

export function bodyOf(node: Node): unknown {
  return (node as Record<string, unknown>)[tagOf(node)];
}

/** The body if `node` is of type `tag`, otherwise undefined. */
export function asNode<T extends NodeTag>(node: Node | undefined, tag: T): NodeBody<T> | undefined {
  if (node === undefined) return undefined;
  return (node as Record<string, unknown>)[tag] as NodeBody<T> | undefined;
}

/** The `sval`s of a list of `String` nodes (names, qualified names). */
export function stringsOf(list: readonly Node[] | undefined): string[] {
  const out: string[] = [];
  for (const item of list ?? []) {
    const s = asNode(item, 'String');
    if (s !== undefined) out.push(s.sval ?? '');
  }
  return out;
}
