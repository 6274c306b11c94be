import { ValidationError, type Operator } from '@portcullis/events';
import type { Decider } from '@portcullis/session';
import type { CallerRole } from '../auth/api-caller-auth.js';
import type { GatewayConfig } from '../config/gateway-config.js';

/** Who may end sessions and revoke identities: `api.adminGroups` (none by default; approvers are not admins). */
export function adminRole(config: GatewayConfig): CallerRole {
  return {
    name: 'admin',
    configKey: 'api.adminGroups',
    what: 'terminating sessions and revoking identities',
    groups: config.api.adminGroups,
  };
}

/** The operator as events record them: who, never their groups. */
export function operatorOf(caller: Decider): Operator {
  return {
    subject: caller.subject,
    issuer: caller.issuer,
    ...(caller.app_id ? { app_id: caller.app_id } : {}),
  };
}

const MAX_TEXT = 500;

type FieldKind = 'string' | 'required' | 'date';

/**
 * A small JSON body of text fields, checked strictly: unknown fields, wrong
 * types, over-long texts and bad dates are a 400 naming each problem.
 * `required`: a non-empty string; `date`: an ISO 8601 date-time in the future.
 */
export function parseBody<K extends string>(
  body: unknown,
  fields: Readonly<Record<K, FieldKind>>,
): Partial<Record<K, string>> {
  if (body === undefined || body === null) body = {};
  if (typeof body !== 'object' || Array.isArray(body))
    throw new ValidationError('invalid body', [{ path: '/', message: 'must be a JSON object' }]);
  const problems: { path: string; message: string }[] = [];
  const out: Partial<Record<K, string>> = {};
  const record = body as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!Object.hasOwn(fields, key)) problems.push({ path: `/${key}`, message: 'is not a known field' });
  }
  for (const [key, kind] of Object.entries(fields) as [K, FieldKind][]) {
    const value = record[key];
    if (value === undefined) {
      if (kind === 'required') problems.push({ path: `/${key}`, message: 'is required' });
      continue;
    }
    if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_TEXT) {
      problems.push({
        path: `/${key}`,
        message: `must be a non-empty string of at most ${MAX_TEXT} characters`,
      });
      continue;
    }
    if (kind === 'date') {
      const at = Date.parse(value);
      if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(at)) {
        problems.push({ path: `/${key}`, message: 'must be an ISO 8601 date-time' });
        continue;
      }
      if (at <= Date.now()) {
        problems.push({ path: `/${key}`, message: 'must be in the future' });
        continue;
      }
    }
    out[key] = value;
  }
  if (problems.length > 0) throw new ValidationError('invalid body', problems);
  return out;
}
