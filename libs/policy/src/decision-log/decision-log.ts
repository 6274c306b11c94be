import { type Writable } from 'node:stream';

/**
 * One decision as OPA's decision-log API records it, so existing log
 * pipelines (and OPA tooling) read ours unchanged.
 */
export interface DecisionLogRecord {
  decision_id: string;
  /** The entrypoint, as OPA names the query path: "portcullis/command/decision". */
  path: string;
  /** The input with the configured sensitive fields removed (see `erased`). */
  input: unknown;
  result: unknown;
  /** JSON pointers (under /input) of what was removed before logging. */
  erased: string[];
  bundles: Record<string, { revision: string }>;
  /** RFC 3339 with nanoseconds' worth of digits available from the clock. */
  timestamp: string;
  metrics: { timer_rego_query_eval_ns: number };
  labels?: Record<string, string>;
  /** Present when the engine failed closed. */
  error?: { code: string; message: string };
}

/**
 * Where decision records go. `write` is called on the decision path, so it
 * must be cheap and must not throw; buffer and ship asynchronously.
 */
export interface DecisionLogSink {
  write(record: DecisionLogRecord): void;
}

/** Keeps records in memory; for tests and for `portcullis policy eval`. */
export class MemoryDecisionLog implements DecisionLogSink {
  readonly records: DecisionLogRecord[] = [];
  write(record: DecisionLogRecord): void {
    this.records.push(record);
  }
}

/** One JSON record per line onto a stream (a file, stdout, a pipe to a shipper). */
export class NdjsonDecisionLog implements DecisionLogSink {
  constructor(private readonly stream: Writable) {}
  write(record: DecisionLogRecord): void {
    this.stream.write(`${JSON.stringify(record)}\n`);
  }
}
