import { type CopyClassification } from './classification.js';
import { asNode, stringsOf, type Node } from './nodes.js';
import { qualifiedRelation } from './relation-names.js';

/** COPY's direction, and whether it runs a program or uses the client connection. */
export function copyOf(statement: Node): CopyClassification | null {
  const copy = asNode(statement, 'CopyStmt');
  if (copy === undefined) return null;
  return {
    direction: copy.is_from ? 'from' : 'to',
    program: copy.is_program ?? false,
    // STDIN/STDOUT carry no file name; anything else is a server-side file or program.
    stdio: copy.filename === undefined,
  };
}

/** `COPY t (a, b) TO ...` reads those columns; `COPY t TO ...` reads them all. */
export function copyReads(statement: Node, defaultSchema: string): string[] {
  const copy = asNode(statement, 'CopyStmt');
  if (copy?.relation === undefined || copy.is_from) return [];
  const relation = qualifiedRelation(copy.relation, defaultSchema);
  const columns = stringsOf(copy.attlist);
  return columns.length === 0 ? [`${relation}.*`] : columns.map((column) => `${relation}.${column}`);
}
