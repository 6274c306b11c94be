import { backend, decodeNoticeFields } from '../protocol/index.js';
import { BackendCode } from '../protocol/message-codes.js';
import { isProtocolViolation, type ProtocolViolation } from '../protocol/protocol-violation.js';
import type { CommandMasking, ResultMasking } from './result-masking.js';

/**
 * ErrorResponse and NoticeResponse fields as masking sees them. PostgreSQL
 * puts values into its messages (`invalid input syntax for type integer:
 * "…"`, `Key (ssn)=(…) already exists`, `Failing row contains (…)`, JSON
 * and XML input in DETAIL and CONTEXT, whatever a RAISE formats), so every
 * field that can hold text goes through the same detectors as a result
 * row's scanned columns. Only the fields the server fills itself with a
 * level, a code, a number or its own source location are relayed as they are.
 */
const SERVER_FIELDS = new Set(['S', 'V', 'C', 'P', 'p', 'F', 'L', 'R']);

/** Field names in ResultMasked counts (`error:detail`); never the values. */
const FIELD_NAMES: Readonly<Record<string, string>> = {
  M: 'message',
  D: 'detail',
  H: 'hint',
  W: 'where',
  q: 'internal_query',
  s: 'schema',
  t: 'table',
  c: 'column',
  d: 'data_type',
  n: 'constraint',
};

/**
 * SQLSTATE classes raised while the server analyses the client's own text
 * (syntax, names, privileges, unsupported features, transaction state):
 * their messages quote the statement, not data. Anything else may quote a
 * value the statement read.
 */
const ANALYSIS_CLASSES = new Set(['0A', '25', '26', '34', '3D', '3F', '42']);
/** Integrity constraint violations: their DETAIL quotes stored rows (the key, or the whole failing row). */
const CONSTRAINT_CLASS = '23';
/** plpgsql's RAISE: its message, detail, hint and even its schema/table/column names are whatever the code put there. */
const RAISE_ROUTINE = 'exec_stmt_raise';

/**
 * The ErrorResponse or NoticeResponse to relay for a masked command: text
 * fields scanned by the plan's detectors, and, when the message may quote a
 * value of a sensitive column the proxy cannot find in it, every text field
 * withheld behind a generic message that keeps the SQLSTATE. The frame
 * itself when nothing changed. ResultMasked counts what was masked.
 */
export function maskErrorFields(
  masking: ResultMasking,
  command: CommandMasking,
  frame: Buffer,
): Buffer | ProtocolViolation {
  const fields = decodeNoticeFields(frame);
  if (isProtocolViolation(fields)) return fields;
  const code =
    frame[0] === BackendCode.ErrorResponse ? BackendCode.ErrorResponse : BackendCode.NoticeResponse;
  const kind = code === BackendCode.ErrorResponse ? 'error' : 'notice';
  const why = withholdReason(masking, command, fields);
  if (why !== undefined) return withheld(command, code, kind, fields, why);

  const out: Record<string, string> = { ...fields };
  let changed = false;
  if ((fields.C ?? '').startsWith(CONSTRAINT_CLASS) && fields.D !== undefined) {
    // The failing row holds columns the statement may never have named.
    out.D = 'portcullis: the values of the failing row are withheld';
    command.report.tally({ column: `${kind}:detail`, method: 'redact', rule: 'withheld' }).add();
    changed = true;
  }
  const scanned = Object.keys(out).filter((type) => !SERVER_FIELDS.has(type));
  const scanner = masking.fieldScanner(
    command,
    scanned.map((type) => `${kind}:${FIELD_NAMES[type] ?? type}`),
  );
  if (scanner) {
    const values = scanned.map((type) => Buffer.from(out[type]!, 'utf8'));
    if (scanner.maskValues(values)) {
      for (const [i, type] of scanned.entries()) out[type] = values[i]?.toString('utf8') ?? '';
      changed = true;
    }
  }
  return changed ? backend.noticeFrame(code, out) : frame;
}

/**
 * Why the message cannot be made safe, or undefined. Detectors only find
 * values that look like something; a sensitive column's value in a message
 * has no shape to find (a name, a salary), so a message that may quote one
 * is withheld whole: when the command read a sensitive column, or when the
 * message comes from code the statement ran (a function body the analysis
 * never saw) — unless it is an analysis error about the client's own text.
 */
function withholdReason(
  masking: ResultMasking,
  command: CommandMasking,
  fields: Readonly<Record<string, string>>,
): string | undefined {
  const raised = fields.R === RAISE_ROUTINE;
  const inFunction = raised || /\bfunction\b/i.test(fields.W ?? '');
  const ownText = !inFunction && fields.q === undefined && ANALYSIS_CLASSES.has((fields.C ?? '').slice(0, 2));
  if (ownText) return undefined;
  if (masking.readsSensitive(command)) return 'the statement read a masked column';
  if (inFunction && command.plan.active) return 'it came from a function while results are masked';
  return undefined;
}

function withheld(
  command: CommandMasking,
  code: BackendCode.ErrorResponse | BackendCode.NoticeResponse,
  kind: 'error' | 'notice',
  fields: Readonly<Record<string, string>>,
  why: string,
): Buffer {
  const sqlState = fields.C ?? '';
  const out: Record<string, string> = {};
  for (const [type, value] of Object.entries(fields)) {
    if (SERVER_FIELDS.has(type)) out[type] = value;
    else
      command.report
        .tally({ column: `${kind}:${FIELD_NAMES[type] ?? type}`, method: 'redact', rule: 'withheld' })
        .add();
  }
  out.M = `portcullis: ${kind} detail withheld because ${why} (SQLSTATE ${sqlState})`;
  return backend.noticeFrame(code, out);
}
