import {
  type ClassifyOptions,
  type CommandClassification,
  type StatementClassification,
} from './classification.js';
import { analyseStatement, DEFAULT_SCHEMA, type AnalysedStatement } from './classify-statement.js';
import { LruCache } from './lru-cache.js';
import { parseStatements } from './parser.js';
import { statementTexts } from './statement-text.js';

export interface SqlClassifierOptions {
  /** How many distinct texts to remember (per default schema). 0 disables the cache. */
  cacheSize?: number;
  /** Longer texts (bulk INSERTs, generated SQL) are classified every time, not cached. */
  maxCachedTextLength?: number;
}

interface AnalysedCommand {
  classification: CommandClassification;
  statements: readonly AnalysedStatement[];
}

/**
 * Classifies command texts, remembering the result per text: applications
 * send the same statements over and over, and a hit costs a Map lookup
 * instead of a parse. Cached results are frozen, so a caller cannot alter
 * what the next caller gets.
 */
export class SqlClassifier {
  private readonly cache: LruCache<string, AnalysedCommand>;
  private readonly maxCachedTextLength: number;

  constructor(options: SqlClassifierOptions = {}) {
    this.cache = new LruCache(options.cacheSize ?? 1000);
    this.maxCachedTextLength = options.maxCachedTextLength ?? 8192;
  }

  classifyCommand(text: string, options: ClassifyOptions = {}): CommandClassification {
    return this.analyse(text, options).classification;
  }

  /** Every statement's classification together with its result-column lineage. */
  analyse(text: string, options: ClassifyOptions = {}): AnalysedCommand {
    const cacheable = text.length <= this.maxCachedTextLength;
    const key = `${options.defaultSchema ?? DEFAULT_SCHEMA}\u0000${text}`;
    const cached = cacheable ? this.cache.get(key) : undefined;
    if (cached !== undefined) return cached;
    const analysed = deepFreeze(analyseCommand(text, options));
    if (cacheable) this.cache.set(key, analysed);
    return analysed;
  }

  clearCache(): void {
    this.cache.clear();
  }
}

function analyseCommand(text: string, options: ClassifyOptions): AnalysedCommand {
  const parsed = parseStatements(text);
  if (!parsed.ok) {
    // One statement for the whole text: where statements end is only known
    // to a parser that accepted the text.
    const statement = { classification: unparseable(text.trim(), parsed.error), outputs: [] };
    return {
      classification: { statements: [statement.classification], columns_read: [] },
      statements: [statement],
    };
  }
  const texts = statementTexts(text, parsed.stmts);
  const statements = parsed.stmts.map((raw, i) =>
    raw.stmt === undefined
      ? { classification: unparseable(texts[i]!, 'empty statement'), outputs: [] }
      : analyseStatement(raw.stmt, texts[i]!, options),
  );
  const columns = new Set(statements.flatMap((s) => s.classification.columns_read));
  return {
    classification: {
      statements: statements.map((s) => s.classification),
      columns_read: [...columns].sort(),
    },
    statements,
  };
}

export function unparseable(text: string, error: string): StatementClassification {
  return {
    kind: 'unparseable',
    text,
    objects: [],
    has_where: false,
    where_tautology: false,
    // What the text would do is unknown; a guard assumes the worst.
    writes: true,
    nested_kinds: [],
    functions: [],
    columns_read: [],
    explain_analyze: false,
    copy: null,
    dynamic_sql: false,
    error,
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  // Sets (lineage sources) cannot be frozen by Object.freeze; they are internal.
  if (value instanceof Set) return value;
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return Object.freeze(value);
}
