import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const SHIPPED_BUNDLE = fileURLToPath(new URL('../../../policies-rego/dist/bundle.tar.gz', import.meta.url));

export interface PolicyGrant {
  /** The issuer whose tokens the policy trusts (e.g. a test OIDC provider's). */
  issuer: string;
  /** Application ids (OAuth client ids) granted access. */
  appIds: string[];
  /** Targets granted, by label, e.g. `[{ env: ['production'], kind: ['database'] }]`. */
  targetLabels: Record<string, string[]>[];
  /** The grant demands just-in-time approval before each session opens. */
  sessionReview?: boolean;
  /** How long approvers have to decide (the data's review default), e.g. 1 to test expiry. */
  reviewTtlSeconds?: number;
  /** The grant ends then (its `expires_ns`). */
  expiresAt?: Date;
  /** The PostgreSQL role sessions of this grant act as (its `postgres_role`). */
  postgresRole?: string;
  /** The SSH principal sessions of this grant act as (its `ssh_principal`). */
  sshPrincipal?: string;
}

/**
 * The shipped, compiled policy bundle, unpacked into `dir/bundle` with one grant
 * added to its data: the real Rego and wasm, with data a test needs (operators
 * change data, not code). Returns the bundle directory.
 */
export async function grantingPolicyBundle(dir: string, grant: PolicyGrant): Promise<string> {
  const bundleDir = join(dir, 'bundle');
  await mkdir(bundleDir, { recursive: true });
  await promisify(execFile)('tar', ['xzf', SHIPPED_BUNDLE, '-C', bundleDir]);
  const dataFile = join(bundleDir, 'data.json');
  const data = JSON.parse(await readFile(dataFile, 'utf8')) as {
    portcullis: {
      issuers: Record<string, unknown>;
      grants: Record<string, unknown>;
      review_defaults: Record<string, unknown>;
    };
  };
  if (grant.reviewTtlSeconds !== undefined) {
    data.portcullis.review_defaults.ttl_seconds = grant.reviewTtlSeconds;
  }
  data.portcullis.issuers[grant.issuer] = { description: 'test OIDC provider' };
  data.portcullis.grants['test-grant'] = {
    description: 'test: these applications may open sessions to these targets',
    issuer: grant.issuer,
    app_ids: grant.appIds,
    target_labels: grant.targetLabels,
    ...(grant.sessionReview ? { session_review: true } : {}),
    ...(grant.expiresAt ? { expires_ns: grant.expiresAt.getTime() * 1_000_000 } : {}),
    ...(grant.postgresRole ? { postgres_role: grant.postgresRole } : {}),
    ...(grant.sshPrincipal ? { ssh_principal: grant.sshPrincipal } : {}),
  };
  await writeFile(dataFile, JSON.stringify(data));
  return bundleDir;
}
