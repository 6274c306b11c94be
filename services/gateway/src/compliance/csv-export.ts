import { pipeline, Readable } from 'node:stream';
import { StreamableFile } from '@nestjs/common';
import { stringify } from 'csv-stringify';

/** One CSV column: its header and how a row's value is taken. */
export interface CsvColumn<V> {
  readonly header: string;
  readonly value: (row: V) => unknown;
}

/**
 * Cells a spreadsheet would read as a formula (OWASP "CSV Injection"): text
 * starting with = + - @, a tab or a carriage return gets a leading `'`, so
 * `=HYPERLINK(…)` in a recorded statement stays text. Quoting and escaping
 * of quotes, separators and newlines is csv-stringify's (RFC 4180).
 */
export function neutralizeFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** A value as one cell: text neutralised, numbers and booleans as written, lists and objects as JSON. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return neutralizeFormula(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return neutralizeFormula(JSON.stringify(value));
}

/**
 * Streams every page as CSV (a header row, then one row per item, all text
 * cells quoted), so an export of any size holds one page in memory.
 */
export function csvFile<V>(
  name: string,
  columns: readonly CsvColumn<V>[],
  pages: AsyncIterable<readonly V[]>,
): StreamableFile {
  const rows = Readable.from(
    (async function* () {
      for await (const page of pages) {
        for (const item of page) yield columns.map((c) => csvCell(c.value(item)));
      }
    })(),
  );
  const csv = stringify({ header: true, columns: columns.map((c) => c.header), quoted_string: true });
  pipeline(rows, csv, () => {
    // An error ends the response early: the StreamableFile's handler logs it.
  });
  return new StreamableFile(csv, {
    type: 'text/csv; charset=utf-8',
    disposition: `attachment; filename="${name}.csv"`,
  });
}
