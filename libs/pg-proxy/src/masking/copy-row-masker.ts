import type { CopyOutput } from '@portcullis/sql';
import { ProtocolViolation } from '../protocol/protocol-violation.js';
import type { RowMasker } from './row-masker.js';

/**
 * How `COPY … TO STDOUT` writes rows in text and CSV format, as far as
 * reading them back field by field needs
 * (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9).
 */
export interface CopyFormat {
  readonly kind: 'text' | 'csv';
  readonly delimiter: number;
  /** The NULL marker, compared raw (text: `\N`, CSV: an unquoted empty field). */
  readonly nullMarker: Buffer;
  readonly quote: number;
  readonly escape: number;
  /** The first line holds column names. */
  readonly header: boolean;
}

const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;
/** Options that change only how a value is quoted on output, or are checked by the server for us. */
const HARMLESS = new Set(['force_quote', 'header', 'delimiter', 'null', 'quote', 'escape', 'encoding']);
const TRUE = new Set(['true', 'on', '1', 'yes']);

/**
 * The format a masker must read, or why the COPY cannot be masked (then it is
 * refused before it runs): binary values cannot be masked as text, an
 * encoding other than UTF-8 would hide values from detectors, an option we
 * do not know could change the layout.
 */
export function copyFormatOf(output: CopyOutput): CopyFormat | string {
  if (output.format === 'binary') return 'COPY in binary format cannot be masked';
  for (const [name, value] of Object.entries(output.options)) {
    if (!HARMLESS.has(name)) return `COPY option ${name} is not supported with masking`;
    if (name === 'encoding' && !/^utf-?8$/i.test(value)) return 'COPY with an encoding other than UTF8';
  }
  const csv = output.format === 'csv';
  const delimiter = output.options.delimiter ?? (csv ? ',' : '\t');
  const quote = output.options.quote ?? '"';
  const escape = output.options.escape ?? quote;
  if ([delimiter, quote, escape].some((c) => Buffer.byteLength(c) !== 1)) {
    return 'COPY delimiter, quote and escape must be one byte';
  }
  return {
    kind: csv ? 'csv' : 'text',
    delimiter: delimiter.charCodeAt(0),
    nullMarker: Buffer.from(output.options.null ?? (csv ? '' : '\\N'), 'utf8'),
    quote: quote.charCodeAt(0),
    escape: escape.charCodeAt(0),
    header: TRUE.has((output.options.header ?? 'false').toLowerCase()),
  };
}

/** One field as it came: its raw bytes, and for CSV whether it was quoted. */
interface RawField {
  readonly raw: Buffer;
  readonly quoted: boolean;
}

/**
 * Masks the rows of one `COPY … TO STDOUT` in text or CSV format: each row
 * is split into fields, the values decoded, masked by the same RowMasker a
 * query's DataRows would get, and written back in the same format. A row
 * in which nothing changed leaves as it came. PostgreSQL sends one row per
 * CopyData; a row split across messages is held until its end arrives.
 */
export class CopyRowMasker {
  private pending: Buffer | undefined;
  private headerPending: boolean;

  constructor(
    private readonly format: CopyFormat,
    private readonly columns: number,
    private readonly rows: RowMasker,
  ) {
    this.headerPending = format.header;
  }

  /** The bytes to send for one CopyData payload (null: nothing complete yet), or a violation. */
  mask(data: Buffer): Buffer | null | ProtocolViolation {
    const bytes = this.pending ? Buffer.concat([this.pending, data]) : data;
    this.pending = undefined;
    const out: Buffer[] = [];
    let offset = 0;
    let changed = false;
    while (offset < bytes.length) {
      const row =
        this.format.kind === 'csv'
          ? splitCsv(bytes, offset, this.format)
          : splitText(bytes, offset, this.format);
      if (row === null) break; // the rest of the row comes in the next message
      const line = bytes.subarray(offset, row.end);
      offset = row.end;
      if (this.headerPending) {
        this.headerPending = false;
        out.push(line);
        continue;
      }
      if (row.fields.length !== this.columns) {
        return new ProtocolViolation('malformed', 'COPY row does not match its column count');
      }
      const masked = this.maskRow(row.fields);
      if (masked === null) out.push(line);
      else {
        out.push(masked);
        changed = true;
      }
    }
    if (offset < bytes.length) this.pending = Buffer.from(bytes.subarray(offset));
    if (out.length === 0) return null;
    return changed || this.pending !== undefined || bytes !== data ? Buffer.concat(out) : data;
  }

  /** True when a row was cut off: the COPY ended in the middle of it. */
  get incomplete(): boolean {
    return this.pending !== undefined;
  }

  private maskRow(fields: readonly RawField[]): Buffer | null {
    const values = fields.map((field) => this.decode(field));
    const before = values.map((v) => v);
    if (!this.rows.maskValues(values)) return null;
    const parts = fields.map((field, i) =>
      values[i] === before[i] ? field.raw : this.encode(values[i] ?? null),
    );
    const delimiter = Buffer.of(this.format.delimiter);
    const joined: Buffer[] = [];
    for (const [i, part] of parts.entries()) {
      if (i > 0) joined.push(delimiter);
      joined.push(part);
    }
    joined.push(Buffer.of(NEWLINE));
    return Buffer.concat(joined);
  }

  private decode(field: RawField): Buffer | null {
    if (!field.quoted && field.raw.equals(this.format.nullMarker)) return null;
    return this.format.kind === 'csv' ? unquoteCsv(field, this.format) : unescapeText(field.raw);
  }

  private encode(value: Buffer | null): Buffer {
    if (value === null) return this.format.nullMarker;
    return this.format.kind === 'csv'
      ? quoteCsv(value, this.format)
      : escapeText(value, this.format.delimiter);
  }
}

/** A text-format row from `start`: fields split at unescaped delimiters, up to the newline. */
function splitText(
  bytes: Buffer,
  start: number,
  format: CopyFormat,
): { fields: RawField[]; end: number } | null {
  const fields: RawField[] = [];
  let fieldStart = start;
  for (let i = start; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte === BACKSLASH) {
      i++; // the escaped byte is data, whatever it is
      continue;
    }
    if (byte === format.delimiter || byte === NEWLINE) {
      fields.push({ raw: bytes.subarray(fieldStart, i), quoted: false });
      fieldStart = i + 1;
      if (byte === NEWLINE) return { fields, end: i + 1 };
    }
  }
  return null;
}

/** A CSV row from `start`: quoted fields may hold delimiters and newlines. */
function splitCsv(
  bytes: Buffer,
  start: number,
  format: CopyFormat,
): { fields: RawField[]; end: number } | null {
  const fields: RawField[] = [];
  let fieldStart = start;
  let inQuotes = false;
  let quoted = false;
  for (let i = start; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inQuotes) {
      if (byte === format.escape && format.escape !== format.quote && i + 1 < bytes.length) {
        const next = bytes[i + 1];
        if (next === format.quote || next === format.escape) i++;
      } else if (byte === format.quote) {
        if (format.escape === format.quote && bytes[i + 1] === format.quote) i++;
        else inQuotes = false;
      }
      continue;
    }
    if (byte === format.quote && i === fieldStart) {
      inQuotes = true;
      quoted = true;
    } else if (byte === format.delimiter || byte === NEWLINE) {
      let end = i;
      if (byte === NEWLINE && end > fieldStart && bytes[end - 1] === 0x0d) end--;
      fields.push({ raw: bytes.subarray(fieldStart, end), quoted });
      fieldStart = i + 1;
      quoted = false;
      if (byte === NEWLINE) return { fields, end: i + 1 };
    }
  }
  return null;
}

const TEXT_ESCAPES: Record<number, number> = {
  0x62: 0x08,
  0x66: 0x0c,
  0x6e: 0x0a,
  0x72: 0x0d,
  0x74: 0x09,
  0x76: 0x0b,
};

/** Text format's backslash escapes, read as PostgreSQL's COPY FROM would. */
function unescapeText(raw: Buffer): Buffer {
  if (!raw.includes(BACKSLASH)) return raw;
  const out: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i]!;
    if (byte !== BACKSLASH || i + 1 >= raw.length) {
      out.push(byte);
      continue;
    }
    const next = raw[++i]!;
    if (next >= 0x30 && next <= 0x37) {
      let value = next - 0x30;
      for (let n = 0; n < 2 && raw[i + 1]! >= 0x30 && raw[i + 1]! <= 0x37; n++)
        value = value * 8 + raw[++i]! - 0x30;
      out.push(value & 0xff);
    } else if (next === 0x78 && isHex(raw[i + 1])) {
      let value = parseInt(String.fromCharCode(raw[++i]!), 16);
      if (isHex(raw[i + 1])) value = value * 16 + parseInt(String.fromCharCode(raw[++i]!), 16);
      out.push(value);
    } else {
      out.push(TEXT_ESCAPES[next] ?? next);
    }
  }
  return Buffer.from(out);
}

function isHex(byte: number | undefined): boolean {
  return byte !== undefined && /[0-9a-fA-F]/.test(String.fromCharCode(byte));
}

/** As PostgreSQL's COPY TO writes a text value: backslash, the delimiter and control characters escaped. */
function escapeText(value: Buffer, delimiter: number): Buffer {
  const out: number[] = [];
  for (const byte of value) {
    const escape = { 0x08: 0x62, 0x0c: 0x66, 0x0a: 0x6e, 0x0d: 0x72, 0x09: 0x74, 0x0b: 0x76 }[byte];
    if (escape !== undefined) out.push(BACKSLASH, escape);
    else if (byte === BACKSLASH || byte === delimiter) out.push(BACKSLASH, byte);
    else out.push(byte);
  }
  return Buffer.from(out);
}

function unquoteCsv(field: RawField, format: CopyFormat): Buffer {
  if (!field.quoted) return field.raw;
  const inner = field.raw.subarray(1, field.raw.length - 1);
  const out: number[] = [];
  for (let i = 0; i < inner.length; i++) {
    const byte = inner[i]!;
    const next = inner[i + 1];
    if (byte === format.escape && (next === format.quote || next === format.escape) && i + 1 < inner.length) {
      out.push(next!);
      i++;
    } else {
      out.push(byte);
    }
  }
  return Buffer.from(out);
}

/** A masked value always goes out quoted (it might now hold a delimiter, or look like the NULL marker). */
function quoteCsv(value: Buffer, format: CopyFormat): Buffer {
  const out: number[] = [format.quote];
  for (const byte of value) {
    if (byte === format.quote || byte === format.escape) out.push(format.escape);
    out.push(byte);
  }
  out.push(format.quote);
  return Buffer.from(out);
}
