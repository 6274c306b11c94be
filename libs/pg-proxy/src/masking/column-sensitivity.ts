import type { MaskMethod } from '@portcullis/masking';
import type { PostgresCommand } from '@portcullis/policy';
import type { StatementContext } from '../statements/decide-statement.js';

/** Column names asked about per session before the cache starts over. */
const MAX_CACHED = 20_000;

/**
 * Which columns the policy holds sensitive, for columns the statement's own
 * decision could not name: base columns behind a view, a cursor's columns at
 * FETCH, a table reached under another search_path. The policy stays the one
 * source of truth: it is asked with a synthetic read of exactly those
 * columns, and its `mask` list is the answer. Cached per session (identity
 * and target do not change within one).
 */
export class ColumnSensitivity {
  private readonly cache = new Map<string, MaskMethod | null>();

  constructor(private readonly context: StatementContext) {}

  /** The method for each name the policy masks; names it does not are absent. */
  methodsOf(names: Iterable<string>): Map<string, MaskMethod> {
    const unknown = [...new Set(names)].filter((name) => !this.cache.has(name));
    if (unknown.length > 0) this.ask(unknown);
    const methods = new Map<string, MaskMethod>();
    for (const name of names) {
      const method = this.cache.get(name);
      if (method) methods.set(name, method);
    }
    return methods;
  }

  private ask(names: string[]): void {
    if (this.cache.size + names.length > MAX_CACHED) this.cache.clear();
    const objects = [...new Set(names.map((n) => n.slice(0, n.lastIndexOf('.'))))];
    const command: PostgresCommand = {
      text: '/* portcullis: which of these result columns are sensitive */',
      protocol: 'postgres',
      statements: [
        {
          kind: 'select',
          text: '',
          objects,
          has_where: true,
          where_tautology: false,
          writes: false,
          nested_kinds: [],
          functions: [],
          columns_read: [...names].sort(),
          explain_analyze: false,
          copy: null,
          dynamic_sql: false,
        },
      ],
      columns_read: [...names].sort(),
    };
    const decision = this.context.policy.decideCommand({
      identity: this.context.identity,
      target: {
        name: this.context.target.name,
        protocol: 'postgres',
        labels: { ...this.context.target.labels },
      },
      session: { id: this.context.sessionId, client_ip: this.context.clientAddress },
      command,
      approval: { granted: false },
      now_ns: Date.now() * 1_000_000,
    });
    if (decision.error) {
      // Fail closed: a policy that cannot answer makes every asked column sensitive (not cached).
      for (const name of names) this.cache.delete(name);
      throw new Error(`policy error while resolving masked columns: ${decision.error.message}`);
    }
    for (const name of names) this.cache.set(name, null);
    for (const rule of decision.mask)
      if ('column' in rule && this.cache.has(rule.column)) this.cache.set(rule.column, rule.method);
  }
}
