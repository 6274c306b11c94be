import { readFile } from 'node:fs/promises';
import { ErrorCode, PortcullisError, ValidationError } from '@portcullis/events';

/** How CLI commands reach a gateway's REST API: its URL and the caller's OIDC token. */
export interface ApiClientOptions {
  /** The gateway's base URL (else $PORTCULLIS_API, else http://127.0.0.1:8080). */
  api?: string;
  /** A file holding the caller's OIDC access token (else $PORTCULLIS_TOKEN). */
  tokenFile?: string;
  json?: boolean;
}

/**
 * One call of the REST API with the caller's bearer token; a problem
 * response becomes an error carrying its title and `reason`. CLI commands
 * that act (approvals, terminations, revocations) are thin clients of the
 * API, so they work against any instance and go through the same checks.
 */
export async function callApi(
  options: ApiClientOptions,
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
      // A 400 is a usage error (exit 2); anything else the operation failing (exit 1).
      response.status === 400 ? ErrorCode.Validation : ErrorCode.Forbidden,
      `${String(parsed.title ?? `HTTP ${response.status}`)}${reason}`,
    );
  }
  return parsed;
}

async function tokenOf(options: ApiClientOptions): Promise<string> {
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
