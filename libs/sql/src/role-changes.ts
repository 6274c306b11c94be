import { parseStatements } from './parser.js';

/** GUCs that decide whose rights a session has. */
const IDENTITY_SETTINGS = new Set(['role', 'session_authorization']);

/**
 * What in a command text could change whose rights the upstream session
 * acts with, in words (empty: nothing). For a session the proxy switched to
 * a granted role (`set-role` mode: the connection itself belongs to the
 * administrative user), each one is a way back to that user:
 * - `SET`/`RESET ROLE`, `SET SESSION AUTHORIZATION` (also `LOCAL`, also as a
 *   function's `SET` clause);
 * - `DISCARD ALL` (it resets the session authorization);
 * - any `set_config()` call (its setting name may be computed);
 * - `DO` blocks and `CREATE FUNCTION`/`PROCEDURE`: code whose statements are
 *   text the parser does not see, and which could run any of the above.
 * Walks the whole parse tree, so a nested occurrence counts. A text that
 * does not parse cannot be shown to leave the role alone: it counts as one
 * (fail closed, whatever the policy says of unparseable text).
 */
export function roleChanges(text: string): string[] {
  const parsed = parseStatements(text);
  if (!parsed.ok) return ['text that does not parse'];
  const found = new Set<string>();
  for (const raw of parsed.stmts) visit(raw.stmt, found);
  return [...found];
}

function visit(value: unknown, found: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) visit(item, found);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [tag, body] of Object.entries(value as Record<string, unknown>)) {
    const what = describe(tag, body);
    if (what) found.add(what);
    visit(body, found);
  }
}

function describe(tag: string, body: unknown): string | undefined {
  const node = body as Record<string, unknown> | null;
  if (node === null || typeof node !== 'object') return undefined;
  switch (tag) {
    case 'VariableSetStmt': {
      const name = typeof node.name === 'string' ? node.name : '';
      if (!IDENTITY_SETTINGS.has(name)) return undefined;
      const verb = node.kind === 'VAR_RESET' ? 'RESET' : 'SET';
      return `${verb} ${name === 'role' ? 'ROLE' : 'SESSION AUTHORIZATION'}`;
    }
    case 'DiscardStmt':
      return node.target === 'DISCARD_ALL' ? 'DISCARD ALL' : undefined;
    case 'FuncCall': {
      const names = (node.funcname as { String?: { sval?: string } }[] | undefined) ?? [];
      const last = names.at(-1)?.String?.sval?.toLowerCase();
      return last === 'set_config' ? 'set_config()' : undefined;
    }
    case 'DoStmt':
      return 'DO';
    case 'CreateFunctionStmt':
      return node.is_procedure === true ? 'CREATE PROCEDURE' : 'CREATE FUNCTION';
    default:
      return undefined;
  }
}
