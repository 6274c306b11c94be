/**
 * Real peers for the SSH proxy's int tests: OpenSSH's sshd as the upstream
 * (trusting only the proxy's upstream key), oidc-provider issuing tokens, the
 * shipped policy bundle with a test grant for hosts, and a pglite store.
 */
import { join } from 'node:path';
import { openSqlEventStore, type EventStore } from '@portcullis/eventstore';
import type { RecordedEvent } from '@portcullis/events';
import { createTokenVerifier } from '@portcullis/identity';
import { PolicyEngine } from '@portcullis/policy';
import {
  grantingPolicyBundle,
  startOidcProvider,
  startSshd,
  tempDir,
  type OidcProvider,
  type SshdServer,
} from '@portcullis/test-support';
import { generateEd25519OpenSshKey, publicKeyLine } from '../host-key.js';
import type { SshProxyOptions, SshTarget } from '../proxy-options.js';
import { startSshProxy, type SshProxy } from '../ssh-proxy-server.js';

export const DEPLOYER = 'ci-deployer';
export const STRANGER = 'stranger-agent';
export const DEV_HOST = 'dev-box';
export const PROD_HOST = 'prod-box';

export interface ProxyWorld {
  readonly sshd: SshdServer;
  readonly oidc: OidcProvider;
  readonly store: EventStore;
  readonly proxy: SshProxy;
  readonly options: SshProxyOptions;
  /** The proxy's upstream private key (what sshd trusts). */
  readonly upstreamKey: string;
  readonly dir: string;
  sessions(): Promise<Map<string, RecordedEvent[]>>;
  stop(): Promise<void>;
}

export async function startProxyWorld(overrides: Partial<SshProxyOptions> = {}): Promise<ProxyWorld> {
  const dir = await tempDir('portcullis-ssh-proxy-');
  const cleanups: (() => Promise<unknown>)[] = [() => dir.remove()];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const upstreamKey = generateEd25519OpenSshKey('portcullis-upstream');
    const [sshd, oidc] = await Promise.all([
      startSshd({
        authorizedKeys: [publicKeyLine(upstreamKey)],
        // What the proxy's env allowlist lets through, and one it must not.
        extraConfig: ['AcceptEnv LANG LC_* PORTCULLIS_TEST_*', 'Subsystem sftp internal-sftp'],
      }),
      startOidcProvider({ clients: [{ clientId: DEPLOYER }, { clientId: STRANGER }] }),
    ]);
    cleanups.push(
      () => sshd.stop(),
      () => oidc.stop(),
    );
    const policy = await PolicyEngine.load(
      await grantingPolicyBundle(dir.path, {
        issuer: oidc.issuer,
        appIds: [DEPLOYER],
        targetLabels: [{ kind: ['host'] }],
      }),
    );
    const opened = await openSqlEventStore({ kind: 'pglite', dataDir: join(dir.path, 'store') });
    cleanups.push(() => opened.store.close());
    const upstream = {
      host: sshd.host,
      port: sshd.port,
      user: sshd.user,
      privateKey: upstreamKey,
      hostKey: sshd.hostPublicKey,
    };
    const targets: SshTarget[] = [
      { name: DEV_HOST, labels: { env: 'dev', kind: 'host' }, upstream },
      { name: PROD_HOST, labels: { env: 'production', kind: 'host' }, upstream },
    ];
    const options: SshProxyOptions = {
      listen: { host: '127.0.0.1', port: 0 },
      hostKeyFile: join(dir.path, 'proxy', 'ssh_host_ed25519_key'),
      targets,
      tokens: createTokenVerifier([{ issuer: oidc.issuer, audiences: [oidc.audience] }]),
      policy,
      store: opened.store,
      gatewayInstance: 'gw-int-test',
      ...overrides,
    };
    const proxy = await startSshProxy(options);
    cleanups.push(() => proxy.close());
    return {
      sshd,
      oidc,
      store: opened.store,
      proxy,
      options,
      upstreamKey,
      dir: dir.path,
      async sessions() {
        const all = await opened.store.readAll({ filter: { streamPrefixes: ['session-'] } });
        const byStream = new Map<string, RecordedEvent[]>();
        for (const event of all)
          byStream.set(event.streamName, [...(byStream.get(event.streamName) ?? []), event]);
        return byStream;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
