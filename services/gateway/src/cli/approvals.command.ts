import { readFile } from 'node:fs/promises';
import { ErrorCode, PortcullisError, ValidationError } from '@portcullis/events';
import type { CliIo } from './common.js';

export interface ApprovalsOptions {
  /** The gateway's base URL. */
  api?: string;
  /** A file holding the approver's OIDC access token (else $PORTCULLIS_TOKEN). */
  tokenFile?: string;
  json?: boolean;
}

interface ApprovalItem {
  approvalId: string;
  status: string;
  scope: string;
  targetName: string;
  requesterSubject: string;
  text: string;
  reason: string;
  expiresAt: string;
}

/**
 * `portcullis approvals list|grant|deny`: a thin client of the REST API, so
 * it works against any gateway instance and goes through the same token
 * check and the same rules as every other approver.
 */
export async function approvalsList(
  options: ApprovalsOptions & { status?: string },
  io: CliIo,
): Promise<number> {
  const query = options.status === 'all' ? '' : `?status=${encodeURIComponent(options.status ?? 'pending')}`;
  const page = (await call(options, 'GET', `/api/approvals${query}`)) as { items: ApprovalItem[] };
  if (options.json) {
    io.stdout.write(JSON.stringify(page.items, null, 2) + '\n');
    return 0;
  }
  if (page.items.length === 0) {
    io.stdout.write('no approvals\n');
    return 0;
  }
  for (const a of page.items) {
    io.stdout.write(
      `${a.approvalId}  ${a.status.padEnd(9)} ${a.scope.padEnd(7)} ${a.targetName}  ${a.requesterSubject}  ` +
        `expires ${a.expiresAt}\n    ${oneLine(a.text)}\n    why: ${oneLine(a.reason)}\n`,
    );
  }
  return 0;
}

export async function approvalsDecide(
  kind: 'grant' | 'deny',
  approvalId: string,
  options: ApprovalsOptions & { comment?: string },
  io: CliIo,
): Promise<number> {
  const result = (await call(
    options,
    'POST',
    `/api/approvals/${encodeURIComponent(approvalId)}/${kind}`,
    options.comment === undefined ? {} : { comment: options.comment },
  )) as { status: string; grants: number; minApprovals: number };
  if (options.json) io.stdout.write(JSON.stringify(result) + '\n');
  else
    io.stdout.write(
      `approval ${approvalId}: ${result.status} (${result.grants}/${result.minApprovals} approvals)\n`,
    );
  return 0;
}

async function call(
  options: ApprovalsOptions,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const base = (options.api ?? process.env.PORTCULLIS_API ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  if (!/^https?:\/\//.test(base)) {
    throw new ValidationError('bad --api', [{ path: '--api', message: 'must be an http(s) URL' }]);
  }
  const token = await tokenOf(options);
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    throw new PortcullisError(
      ErrorCode.Unavailable,
      `cannot reach the gateway at ${base}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const text = await response.text();
  const parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (!response.ok) {
    const reason = typeof parsed.reason === 'string' ? ` (${parsed.reason})` : '';
    throw new PortcullisError(
      ErrorCode.Forbidden,
      `${String(parsed.title ?? `HTTP ${response.status}`)}${reason}`,
    );
  }
  return parsed;
}

async function tokenOf(options: ApprovalsOptions): Promise<string> {
  const token = options.tokenFile
    ? (await readFile(options.tokenFile, 'utf8')).trim()
    : (process.env.PORTCULLIS_TOKEN ?? '').trim();
  if (!token) {
    throw new ValidationError('no token', [
      {
        path: '--token-file',
        message: 'give a token file or set PORTCULLIS_TOKEN to your OIDC access token',
      },
    ]);
  }
  return token;
}

const oneLine = (s: string) => (s.length > 200 ? `${s.slice(0, 200)}…` : s).replace(/\s+/g, ' ');
