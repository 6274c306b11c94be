import { readFile } from 'node:fs/promises';
import { ValidationError } from '@portcullis/events';
import { verifyChains } from '@portcullis/eventstore';
import { openRuntime } from '../runtime/gateway-runtime.js';
import { createLogger } from '../logging/logger.js';
import { publicKeyFromPem } from '../siem/anchors/anchor-signature.js';
import { readAnchors } from '../siem/anchors/read-anchors.js';
import { verifyAnchors, type AnchorVerificationReport } from '../siem/anchors/verify-anchors.js';
import { loadCliConfig, type CliIo, type StoreOptions } from './common.js';

export interface AuditVerifyOptions extends StoreOptions {
  stream?: string;
  anchors?: string;
  publicKey?: string;
  json?: boolean;
}

/**
 * Walks every hash chain (or one stream) and names the first broken link of
 * each broken stream; with `--anchors`, also checks the store against the
 * signed anchors collected elsewhere (siem/anchors/verify-anchors.ts).
 */
export async function auditVerify(options: AuditVerifyOptions, io: CliIo): Promise<number> {
  if (options.anchors !== undefined && options.publicKey === undefined) {
    throw new ValidationError('--anchors needs --public-key: the key the anchors are checked with');
  }
  if (options.anchors !== undefined && options.stream !== undefined) {
    throw new ValidationError('--anchors checks every stream: it excludes --stream');
  }
  const anchorInput = options.anchors === undefined ? undefined : await readAnchorInput(options);
  const config = await loadCliConfig(options);
  const runtime = await openRuntime(config, createLogger('warn', config.instance));
  try {
    const report = await verifyChains(runtime.store, { streamName: options.stream });
    const anchors = anchorInput
      ? await verifyAnchors(runtime.store, anchorInput.file.anchors, anchorInput.publicKey)
      : undefined;
    const anchorsFailed = anchors !== undefined && (anchors.findings.length > 0 || anchors.anchors === 0);
    if (options.json) {
      io.stdout.write(JSON.stringify({ ...report, ...(anchors ? { anchors } : {}) }, null, 2) + '\n');
    } else {
      for (const b of report.breaks) {
        io.stdout.write(
          `BROKEN ${b.streamName} at revision ${b.revision} (event ${b.eventId}): ${b.problem}; expected ${b.expected}, found ${b.actual}\n`,
        );
      }
      if (anchors) printAnchors(anchors, anchorInput!.file.unreadable, io);
      io.stdout.write(
        `${report.breaks.length === 0 && !anchorsFailed ? 'OK' : 'FAILED'}: ${report.events} events in ${report.streams} streams checked, ${report.breaks.length} broken` +
          (anchors ? `; ${anchors.matched} of ${anchors.anchors} anchors matched` : '') +
          '\n',
      );
    }
    return report.breaks.length === 0 && !anchorsFailed ? 0 : 1;
  } finally {
    await runtime.close();
  }
}

async function readAnchorInput(options: AuditVerifyOptions) {
  const read = async (path: string, what: string) => {
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      throw new ValidationError(`cannot read ${what} ${path}: ${(error as Error).message}`);
    }
  };
  const text = await read(options.anchors!, '--anchors');
  let publicKey;
  try {
    publicKey = publicKeyFromPem(await read(options.publicKey!, '--public-key'));
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    throw new ValidationError(
      `--public-key ${options.publicKey} is not an Ed25519 key: ${(error as Error).message}`,
    );
  }
  return { file: readAnchors(text), publicKey };
}

function printAnchors(report: AnchorVerificationReport, unreadable: number, io: CliIo): void {
  for (const f of report.findings) {
    io.stdout.write(
      `ANCHOR ${f.anchorStream ?? '?'} #${f.sequence} (as of ${f.asOf}, signed ${f.signedAt}): ${f.problem}: ${f.detail}\n`,
    );
  }
  if (report.anchors === 0) io.stdout.write('ANCHORS: none with a valid signature in the file\n');
  for (const gap of report.gaps) {
    io.stdout.write(
      `NOTE ${gap.anchorStream}: anchors ${gap.missing.join(', ')} are not in the file (each later anchor still covers everything before it)\n`,
    );
  }
  if (unreadable > 0) io.stdout.write(`NOTE ${unreadable} lines of the file held no JSON\n`);
  if (report.coveredUpTo) {
    io.stdout.write(
      `COVERED up to position ${report.coveredUpTo.asOf} (anchor signed ${report.coveredUpTo.signedAt}); later events rest on the hash chain alone\n`,
    );
  }
}
