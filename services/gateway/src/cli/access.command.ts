import { ValidationError } from '@portcullis/events';
import { callApi, type ApiClientOptions } from './api-client.js';
import type { CliIo } from './common.js';

interface Operator {
  subject: string;
}
interface RevocationItem {
  revocationId: string;
  status: string;
  identity: { issuer?: string; subject?: string; appId?: string };
  reason: string;
  revokedBy: Operator;
  revokedAt?: string;
  expiresAt?: string;
}

/**
 * `portcullis sessions terminate` and `portcullis identities revoke|unrevoke|list`:
 * thin clients of the REST API (an admin's token, `api.adminGroups`), so
 * they work against any instance on the store.
 */
export async function sessionsTerminate(
  sessionId: string,
  options: ApiClientOptions & { reason?: string },
  io: CliIo,
): Promise<number> {
  const result = (await callApi(
    options,
    'POST',
    `/api/sessions/${encodeURIComponent(sessionId)}/terminate`,
    options.reason === undefined ? {} : { reason: options.reason },
  )) as { sessionId: string; reason: string };
  if (options.json) io.stdout.write(JSON.stringify(result) + '\n');
  else io.stdout.write(`session ${result.sessionId}: terminating (${result.reason})\n`);
  return 0;
}

export interface RevokeOptions extends ApiClientOptions {
  issuer?: string;
  subject?: string;
  appId?: string;
  reason?: string;
  expires?: string;
}

export async function identitiesRevoke(options: RevokeOptions, io: CliIo): Promise<number> {
  if (!options.reason) {
    throw new ValidationError('no reason', [
      { path: '--reason', message: 'say why (recorded with the revocation)' },
    ]);
  }
  const byApp = options.appId !== undefined;
  const byPrincipal = options.issuer !== undefined || options.subject !== undefined;
  if (byApp === byPrincipal || (byPrincipal && (!options.issuer || !options.subject))) {
    throw new ValidationError('whom to revoke', [
      { path: '--issuer/--subject/--app-id', message: 'give --issuer and --subject, or --app-id' },
    ]);
  }
  const result = (await callApi(options, 'POST', '/api/identities/revoke', {
    ...(byApp ? { appId: options.appId } : { issuer: options.issuer, subject: options.subject }),
    reason: options.reason,
    ...(options.expires ? { expiresAt: expiresAt(options.expires) } : {}),
  })) as RevocationItem;
  if (options.json) io.stdout.write(JSON.stringify(result) + '\n');
  else io.stdout.write(`revoked ${whom(result)}: revocation ${result.revocationId}\n`);
  return 0;
}

export async function identitiesUnrevoke(
  revocationId: string,
  options: ApiClientOptions & { reason?: string },
  io: CliIo,
): Promise<number> {
  const result = (await callApi(
    options,
    'DELETE',
    `/api/identities/revocations/${encodeURIComponent(revocationId)}`,
    options.reason === undefined ? {} : { reason: options.reason },
  )) as RevocationItem;
  if (options.json) io.stdout.write(JSON.stringify(result) + '\n');
  else io.stdout.write(`revocation ${revocationId} lifted: ${whom(result)} may connect again\n`);
  return 0;
}

export async function identitiesList(options: ApiClientOptions, io: CliIo): Promise<number> {
  const { items } = (await callApi(options, 'GET', '/api/identities/revocations')) as {
    items: RevocationItem[];
  };
  if (options.json) {
    io.stdout.write(JSON.stringify(items, null, 2) + '\n');
    return 0;
  }
  if (items.length === 0) io.stdout.write('no revocations\n');
  for (const r of items) {
    io.stdout.write(
      `${r.revocationId}  ${whom(r)}  by ${r.revokedBy.subject} at ${r.revokedAt ?? '?'}` +
        `${r.expiresAt ? ` until ${r.expiresAt}` : ''}\n    why: ${r.reason}\n`,
    );
  }
  return 0;
}

function whom(r: RevocationItem): string {
  return r.identity.appId !== undefined
    ? `app ${r.identity.appId}`
    : `${r.identity.subject ?? '?'} of ${r.identity.issuer ?? '?'}`;
}

/** `--expires`: an ISO 8601 date-time, or a duration from now (`30m`, `12h`, `7d`). */
function expiresAt(text: string): string {
  const duration = /^(\d+)([smhd])$/.exec(text);
  if (duration) {
    const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[duration[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(Date.now() + Number(duration[1]) * unit * 1000).toISOString();
  }
  if (Number.isNaN(Date.parse(text))) {
    throw new ValidationError('bad --expires', [
      { path: '--expires', message: 'an ISO 8601 date-time, or a duration like 30m, 12h, 7d' },
    ]);
  }
  return new Date(text).toISOString();
}
