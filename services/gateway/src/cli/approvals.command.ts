import { callApi, type ApiClientOptions } from './api-client.js';
import type { CliIo } from './common.js';

export type ApprovalsOptions = ApiClientOptions;

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
  const page = (await callApi(options, 'GET', `/api/approvals${query}`)) as { items: ApprovalItem[] };
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
  const result = (await callApi(
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

const oneLine = (s: string) => (s.length > 200 ? `${s.slice(0, 200)}…` : s).replace(/\s+/g, ' ');
