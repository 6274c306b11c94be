import { readFile } from 'node:fs/promises';
import { isPortcullisError, ErrorCode, ValidationError } from '@portcullis/events';
import { openDatabase } from '@portcullis/eventstore';
import { createTokenVerifier } from '@portcullis/identity';
import { checkCredentialRights, connectPostgresUpstream } from '@portcullis/pg-proxy';
import { PolicyEngine } from '@portcullis/policy';
import { connectSshUpstream, issueSessionCertificate, loadOrCreateUserCa } from '@portcullis/ssh-proxy';
import type { GatewayConfig } from '../config/gateway-config.js';
import { shippedPolicy } from '../policy/shipped-policy.js';
import { clientTlsOf, postgresUpstreamOf } from '../proxies/start-proxies.js';
import { sshTargetOf } from '../proxies/start-ssh-proxies.js';
import { transportFor } from '../siem/forwarders/forwarders.service.js';
import { loadCliConfig, type CliIo } from './common.js';

/** One thing the gateway needs, checked the way `serve` would use it. */
interface Check {
  readonly item: string;
  /** Resolves with what was found; throws why not (a ValidationError: the config is wrong). */
  readonly run: () => Promise<string>;
}

const OK = 0;
const UNREACHABLE = 1;
const INVALID = 2;

/** Who the checks act as when a lower layer wants an identity for its refusals. */
const CHECKER = {
  subject: 'portcullis config check',
  issuer: 'portcullis',
  app_id: 'portcullis',
  kind: 'service_principal' as const,
  groups: [],
  roles: [],
};

/**
 * `portcullis config check`: validates the file, reads every key and
 * certificate file it names, reaches each issuer's discovery document and
 * JWKS, the store, and each upstream (TCP, TLS, authentication), and prints
 * one line per item. Exit 0 when all is well, 1 when something is
 * unreachable, 2 when the configuration is invalid (a bad key, a file that
 * cannot be read).
 */
export async function configCheck(options: { config?: string }, io: CliIo): Promise<number> {
  let config: GatewayConfig;
  try {
    config = await loadCliConfig(options);
  } catch (error) {
    io.stdout.write(`invalid      config ${options.config ?? '(defaults)'}: ${messageOf(error)}\n`);
    return INVALID;
  }
  io.stdout.write(`ok           config ${config.source}\n`);
  let status = OK;
  for (const check of checksOf(config)) {
    try {
      io.stdout.write(`ok           ${check.item}: ${await check.run()}\n`);
    } catch (error) {
      const invalid = isPortcullisError(error, ErrorCode.Validation);
      status = Math.max(status, invalid ? INVALID : UNREACHABLE);
      io.stdout.write(`${invalid ? 'invalid    ' : 'unreachable'}  ${check.item}: ${messageOf(error)}\n`);
    }
  }
  return status;
}

function checksOf(config: GatewayConfig): Check[] {
  const checks: Check[] = [
    {
      item: config.policy.data ? `policy bundle and data ${config.policy.data}` : 'policy bundle',
      run: async () => {
        const engine = await PolicyEngine.load(
          config.policy.bundle ?? shippedPolicy.bundle,
          config.policy.data ? { data: config.policy.data } : {},
        );
        return `revision ${engine.revision}`;
      },
    },
    {
      item: `store ${config.store.kind}`,
      run: async () => {
        if (config.store.kind !== 'postgres')
          return 'not opened (embedded, or EventStoreDB: checked at start)';
        const db = await openDatabase(config.store);
        await db.close();
        return 'answers';
      },
    },
  ];
  for (const issuer of config.issuers) {
    checks.push({
      item: `issuer ${issuer.issuer}`,
      run: async () => {
        await createTokenVerifier([issuer]).warm();
        return 'discovery and JWKS reached';
      },
    });
  }
  for (const issuer of config.console?.issuers ?? []) {
    const file = issuer.clientSecretFile;
    if (!file) continue;
    checks.push({
      item: `console sign-in ${issuer.name} client secret`,
      run: async () => {
        const secret = await readFile(file, 'utf8').catch((error: unknown) => {
          throw new ValidationError(`cannot read ${file}: ${(error as Error).message}`);
        });
        if (!secret.trim()) throw new ValidationError(`${file} is empty`);
        return `${file} read`;
      },
    });
  }
  for (const target of config.targets) {
    if (target.tls) {
      const tls = target.tls;
      checks.push({
        item: `target ${target.name} tls`,
        run: async () => {
          await clientTlsOf(target.name, tls);
          return `${tls.certFile} and ${tls.keyFile} read`;
        },
      });
    }
    checks.push({
      item: `target ${target.name} upstream`,
      run: async () => {
        const upstream = await postgresUpstreamOf(target);
        const session = await connectPostgresUpstream(upstream, 'config-check').catch((error: unknown) => {
          throw new Error(detailOf(error));
        });
        session.socket.destroy();
        return `${upstream.host}:${upstream.port}/${upstream.database} authenticated as ${upstream.user}${upstream.tls ? ` (TLS ${upstream.tls.mode})` : ''}`;
      },
    });
    if (target.credential?.mode === 'ephemeral-role') {
      checks.push({
        item: `target ${target.name} session roles`,
        run: async () =>
          checkCredentialRights({ upstream: await postgresUpstreamOf(target) }).catch((error: unknown) => {
            throw new Error(detailOf(error));
          }),
      });
    }
  }
  for (const target of config.sshTargets) {
    checks.push({
      item: `target ${target.name} upstream`,
      run: async () => {
        const { upstream } = await sshTargetOf(target);
        // A certificate target: the host must trust the gateway's user CA for upstream.user.
        const certificate =
          upstream.credential === 'certificate'
            ? issueSessionCertificate(await loadOrCreateUserCa(config.ssh.userCaKeyFile), {
                sessionId: 'config-check',
                identity: CHECKER,
                principal: upstream.user,
                validitySeconds: 60,
              })
            : undefined;
        const client = await connectSshUpstream(upstream, CHECKER, certificate).catch((error: unknown) => {
          throw new Error(detailOf(error));
        });
        client.end();
        return `${upstream.host}:${upstream.port} host key matches, authenticated as ${upstream.user}${certificate ? ' with a certificate of the gateway user CA' : ''}`;
      },
    });
  }
  for (const forwarder of config.siem.forwarders) {
    checks.push({
      item: `forwarder ${forwarder.name}`,
      run: () => transportFor(forwarder, config.instance).probe(),
    });
  }
  return checks;
}

/** The upstream's own words: a refusal keeps them in its detail (the client-facing text hides them). */
function detailOf(error: unknown): string {
  const detail = (error as { detail?: unknown }).detail;
  return typeof detail === 'string' ? detail : messageOf(error);
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
