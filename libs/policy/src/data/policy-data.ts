/**
 * Policy data apart from the rules: operators keep grants, issuers, targets
 * and masking in their own YAML or JSON file (or a directory of them), and
 * the engine merges it over the bundle's `data.portcullis` at every load.
 * Nobody needs `opa` to add a service principal.
 *
 * Merge: objects merge key by key (a directory's files in name order, then
 * over the bundle); arrays and scalars replace; `null` removes the key (a
 * shipped grant or target the operator does not want). The merged data must
 * satisfy policies-rego/schemas/data.schema.json; every problem is reported
 * with its file, line and column where the offending value is in a file.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { ErrorCode, PortcullisError } from '@portcullis/events';
import { canonicalJson } from '../bundle/canonical-json.js';
import { schemaErrors } from '../contract/check-schema.js';
import { policyDataSchema } from '../contract/data-schema.js';

/** Policy data that cannot be used; `problems` say where (file:line:col) and why. */
export class PolicyDataError extends PortcullisError {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(ErrorCode.Validation, `policy data: ${problems.join('; ')}`, {
      details: { problems: [...problems] },
    });
  }
}

export interface PolicyData {
  /** The file or directory it was read from. */
  readonly source: string;
  /** The files read, in merge order. */
  readonly files: readonly string[];
  /** What the files say, merged (not yet over the bundle). */
  readonly overlay: Record<string, unknown>;
  /** SHA-256 of the canonical JSON of `overlay`: names this data in revisions and PolicyActivated. */
  readonly digest: string;
}

interface ParsedFile {
  readonly file: string;
  readonly value: Record<string, unknown>;
  readonly document: Document;
  readonly lines: LineCounter;
}

const DATA_FILE = /\.(ya?ml|json)$/i;

/** Reads and parses a data file or directory (syntax errors with their lines). */
export async function readPolicyData(source: string): Promise<PolicyData & { parsed: ParsedFile[] }> {
  let files: string[];
  try {
    files = (await stat(source)).isDirectory()
      ? (await readdir(source))
          .filter((name) => DATA_FILE.test(name) && !name.startsWith('.'))
          .sort()
          .map((name) => join(source, name))
      : [source];
  } catch (error) {
    throw new PolicyDataError(source, [`cannot be read: ${(error as Error).message}`]);
  }
  if (files.length === 0) throw new PolicyDataError(source, ['the directory holds no .yaml, .yml or .json file']);
  const parsed: ParsedFile[] = [];
  const problems: string[] = [];
  for (const file of files) {
    const lines = new LineCounter();
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      problems.push(`${file}: cannot be read: ${(error as Error).message}`);
      continue;
    }
    // YAML 1.2 reads JSON too, with the same positions and duplicate-key errors.
    const document = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
    if (document.errors.length > 0) {
      for (const error of document.errors) {
        const at = lines.linePos(error.pos[0]);
        problems.push(`${file}:${at.line}:${at.col}: ${error.message.split('\n')[0]}`);
      }
      continue;
    }
    const value: unknown = document.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue; // an empty file adds nothing
    if (typeof value !== 'object' || Array.isArray(value)) {
      problems.push(`${file}:1:1: policy data is a mapping (issuers, grants, targets, masking…)`);
      continue;
    }
    parsed.push({ file, value: value as Record<string, unknown>, document, lines });
  }
  if (problems.length > 0) throw new PolicyDataError(source, problems);
  const overlay = parsed.reduce<Record<string, unknown>>((merged, p) => mergeData(merged, p.value), {});
  const digest = createHash('sha256').update(canonicalJson(overlay)).digest('hex');
  return { source, files, overlay, digest, parsed };
}

/**
 * Reads `source` and merges it over a bundle's data (`data.portcullis` of the
 * bundle's root data); throws PolicyDataError with every problem, located.
 */
export async function loadPolicyData(
  source: string,
  bundleData: Record<string, unknown>,
): Promise<{ data: Record<string, unknown>; policyData: PolicyData }> {
  const { parsed, ...policyData } = await readPolicyData(source);
  const shipped = (bundleData.portcullis ?? {}) as Record<string, unknown>;
  const merged = mergeData(shipped, policyData.overlay);
  const problems = dataProblems(merged).map(
    (p) => `${locate(parsed, p.path, p.atKey) ?? `${source} (merged over the bundle's data): `}${p.path}: ${p.message}`,
  );
  if (problems.length > 0) throw new PolicyDataError(source, problems);
  return { data: { ...bundleData, portcullis: merged }, policyData };
}

/**
 * Schema problems worded for operators: an unknown key is named where it is
 * (not as "additional properties" of every object around it).
 */
function dataProblems(data: unknown): { path: string; message: string; atKey?: boolean }[] {
  const errors = schemaErrors(policyDataSchema, data);
  const problems: { path: string; message: string; atKey?: boolean }[] = [];
  for (const error of errors) {
    if (error.keyword === 'boolean') {
      problems.push({
        path: error.path,
        message: 'unknown key (see policies-rego/schemas/data.schema.json)',
        atKey: true,
      });
    } else if (error.keyword === 'additionalProperties') {
      // Reported precisely by the `boolean` errors below it, or: a key whose value failed its schema.
      if (errors.some((other) => other !== error && other.path.startsWith(`${error.path}/`))) continue;
      const keys = (error.params.additionalProperties as string[] | undefined) ?? [];
      problems.push({ path: error.path, message: `unknown key(s): ${keys.join(', ')}` });
    } else {
      problems.push({ path: error.path, message: error.message });
    }
  }
  return problems;
}

/** Objects merge key by key; anything else replaces; null removes. */
export function mergeData(base: Record<string, unknown>, overlay: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    if (value === null) {
      delete out[key];
    } else if (isObject(value) && isObject(out[key])) {
      out[key] = mergeData(out[key] as Record<string, unknown>, value);
    } else {
      out[key] = value;
    }
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `file:line:col: ` of the deepest node on `pointer` (its key with `atKey`)
 * in the last file that has one; undefined when none does (bundle data).
 */
function locate(parsed: readonly ParsedFile[], pointer: string, atKey = false): string | undefined {
  const path = pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  for (const file of [...parsed].reverse()) {
    let node: unknown = file.document.contents;
    let found: { range?: [number, number, number] | null } | undefined;
    for (const [i, segment] of path.entries()) {
      if (isMap(node)) {
        const pair = node.items.find((item) => String((item.key as { value?: unknown })?.value) === segment);
        if (!pair) break;
        const last = i === path.length - 1;
        found = (last && atKey ? pair.key : (pair.value ?? pair.key)) as typeof found;
        node = pair.value;
      } else if (isSeq(node)) {
        const item = node.items[Number(segment)];
        if (item === undefined) break;
        found = item as typeof found;
        node = item;
      } else break;
    }
    const offset = found?.range?.[0];
    if (offset !== undefined) {
      const at = file.lines.linePos(offset);
      return `${file.file}:${at.line}:${at.col}: `;
    }
  }
  return undefined;
}
