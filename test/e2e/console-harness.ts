/**
 * What the console's browser tests share: two `portcullis serve`
 * instances on one PostgreSQL store (psql goes through instance A's proxy,
 * the browser uses instance B's console), a real `oidc-provider` with its
 * login page, and headless Debian chromium (playwright-core) that may
 * load nothing from off this host (every request recorded, and the
 * page's Content-Security-Policy violations too). With `ssh`, instance A
 * also proxies SSH target web-1 to a real sshd. Screenshots go to
 * CONSOLE_ARTIFACTS_DIR (PORTCULLIS_ARTIFACTS_DIR, default: a temp dir).
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import {
  CONSOLE_ARTIFACTS_DIR,
  freePort,
  grantingPolicyBundle,
  launchChromium,
  postgresBinDir,
  serveConfigYaml,
  signInToConsole,
  sshTargetYaml,
  startOidcProvider,
  startPostgres,
  startServe,
  startSshd,
  tempDir,
  type Chromium,
  type OidcProvider,
  type OidcServicePrincipal,
  type OidcUser,
  type PostgresServer,
  type ServeProcess,
  type TempDir,
} from '@portcullis/test-support';

export const PSQL = join(postgresBinDir(), 'psql');
/** The service principal whose psql statements the consoles show. */
export const AGENT = 'ci-deployer';
export const CONSOLE_CLIENT = 'portcullis-console';

export interface SeenRequest {
  readonly url: string;
  readonly navigation: boolean;
  readonly frameUrl: string;
}

export interface ConsoleHarnessOptions {
  /** Temp dir prefix, e.g. `portcullis-console-e2e-`. */
  readonly name: string;
  /** People who can sign in on the provider's login page. */
  readonly users: OidcUser[];
  /** Lines under `console:` after its issuers (e.g. `  adminGroups: [dba-admins]`). */
  readonly consoleLines: string[];
  /** SQL run on the upstream before the gateways start (tables the tests read). */
  readonly upstreamSql?: string;
  /** Service principals besides the agent (e.g. an auditor's or approver's client for the REST API). */
  readonly clients?: OidcServicePrincipal[];
  /** The inside of the `api:` section after its listener (e.g. `auditorGroups: [auditors]`). */
  readonly api?: string;
  /** Config sections before `console:`, given the temp dir (e.g. `siem:` with an anchor key file there). */
  readonly extra?: (dirPath: string) => string[];
  /** Also an SSH target on instance A, `web-1` (labels env: dev, kind: host; granted to the agent), to a real sshd. */
  readonly ssh?: boolean;
}

export interface PsqlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ConsoleHarness {
  /** Instance B's API address, whose console the browser uses. */
  readonly api: string;
  /** Instance A's PostgreSQL listener (target prod-db). */
  readonly proxyPort: number;
  readonly pg: PostgresServer;
  readonly oidc: OidcProvider;
  readonly serves: readonly ServeProcess[];
  readonly browser: Chromium;
  readonly page: Page;
  /** Every request the browser made (the air-gap check). */
  readonly requests: readonly SeenRequest[];
  /** The page's console messages about its Content-Security-Policy (a violation each). */
  readonly cspViolations: readonly string[];
  /** With `ssh`: instance A's SSH listener (target web-1). */
  readonly sshProxyPort?: number;
  /**
   * Asserts that console pages loaded only from the gateway, and that every
   * page the browser went to was the console's or the provider's (whose
   * login page asks for web fonts of its own, which are refused: that page
   * is the provider's, not ours). Returns the console pages' requests.
   */
  assertNothingFromOutside(): SeenRequest[];
  /** psql on the upstream directly, as its superuser. */
  upstream(statement: string): string;
  /** The connection string and environment for psql through instance A as the agent. */
  agentConnection(): Promise<{ conn: string; env: NodeJS.ProcessEnv }>;
  /** psql through instance A's proxy as the agent, until the statement completes or is refused. */
  agent(statement: string): Promise<PsqlResult>;
  shoot(name: string): Promise<void>;
  /** Signs in to instance B's console on the provider's login page. */
  signIn(login: string): Promise<void>;
  /** Signs out of the console, and forgets the provider's session too, as another person's browser would. */
  signOut(): Promise<void>;
  stop(): Promise<void>;
}

export async function startConsoleHarness(options: ConsoleHarnessOptions): Promise<ConsoleHarness> {
  // Undone in reverse, by stop() or when the start fails half-way.
  const cleanups: (() => Promise<unknown>)[] = [];
  const undo = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  try {
    return await start(options, cleanups, undo);
  } catch (error) {
    await undo();
    throw error;
  }
}

async function start(
  options: ConsoleHarnessOptions,
  cleanups: (() => Promise<unknown>)[],
  undo: () => Promise<void>,
): Promise<ConsoleHarness> {
  await mkdir(CONSOLE_ARTIFACTS_DIR, { recursive: true });
  const dir: TempDir = await tempDir(options.name);
  cleanups.push(() => dir.remove());
  const apiPort = await freePort();
  const proxyPort = await freePort();
  const api = `http://127.0.0.1:${apiPort}`;
  const pg = await startPostgres();
  cleanups.push(() => pg.stop());
  const oidc = await startOidcProvider({
    clients: [{ clientId: AGENT }, ...(options.clients ?? [])],
    users: options.users,
    webClients: [{ clientId: CONSOLE_CLIENT, redirectUris: [`${api}/console/callback`] }],
  });
  cleanups.push(() => oidc.stop());
  const upstream = (statement: string) =>
    execFileSync(PSQL, [pg.url('postgres'), '-Atc', statement])
      .toString()
      .trim();
  if (options.upstreamSql) upstream(options.upstreamSql);
  // With `ssh`: a real sshd that trusts the proxy's key, and instance A's target web-1 in front of it.
  let sshTarget: string[] | undefined;
  const sshProxyPort = options.ssh ? await freePort() : undefined;
  if (sshProxyPort) {
    const keyFile = join(dir.path, 'upstream_key');
    await promisify(execFile)('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile]);
    const sshd = await startSshd({
      authorizedKeys: [(await readFile(`${keyFile}.pub`, 'utf8')).trim()],
    });
    cleanups.push(() => sshd.stop());
    sshTarget = sshTargetYaml({
      name: 'web-1',
      listenPort: sshProxyPort,
      env: 'dev',
      sshd,
      privateKeyFile: keyFile,
    });
  }
  const bundle = await grantingPolicyBundle(dir.path, {
    issuer: oidc.issuer,
    appIds: [AGENT],
    targetLabels: [{ env: ['production'], kind: ['database'] }, ...(sshTarget ? [{ kind: ['host'] }] : [])],
    reviewTtlSeconds: 120,
  });
  upstream('CREATE DATABASE portcullis');
  const configs: string[] = [];
  for (const [name, port, listenPort] of [
    ['a', await freePort(), proxyPort],
    ['b', apiPort, await freePort()],
  ] as const) {
    const config = join(dir.path, `portcullis-${name}.yaml`);
    await writeFile(
      config,
      serveConfigYaml({
        instance: `gw-${name}`,
        apiPort: port,
        ...(options.api ? { api: options.api } : {}),
        store: `{ kind: postgres, url: "${pg.url('portcullis')}" }`,
        policy: `{ bundle: ${bundle} }`,
        issuer: oidc,
        target: { listenPort, upstreamPort: pg.port },
        ...(sshTarget && name === 'a' ? { moreTargets: sshTarget } : {}),
        extra: [
          ...(options.extra?.(dir.path) ?? []),
          'console:',
          '  issuers:',
          `    - { issuer: "${oidc.issuer}", name: Test provider, clientId: ${CONSOLE_CLIENT}, clientSecret: secret-${CONSOLE_CLIENT}, scope: "openid connect", resource: "${oidc.audience}" }`,
          ...options.consoleLines,
        ],
      }),
    );
    configs.push(config);
  }
  const serves: ServeProcess[] = [];
  // One after the other: both migrate the same database.
  for (const config of configs) {
    const serve = await startServe(config);
    serves.push(serve);
    cleanups.push(() => serve.stop('SIGKILL'));
  }
  const browser = await launchChromium();
  cleanups.push(() => browser.close());
  browser.context.setDefaultTimeout(15_000);
  const requests: SeenRequest[] = [];
  browser.context.on('request', (request) => {
    let frameUrl = '';
    try {
      frameUrl = request.frame().url();
    } catch {
      // a request of no frame (a service worker): its frame URL stays empty, and it is checked like any
    }
    requests.push({ url: request.url(), navigation: request.isNavigationRequest(), frameUrl });
  });
  // Air-gapped, as gateways run: anything not on this host is refused (and still recorded above).
  await browser.context.route(
    (url) => url.hostname !== '127.0.0.1',
    (route) => route.abort('blockedbyclient'),
  );
  const page = await browser.context.newPage();
  const cspViolations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  const screenshots: string[] = [];

  const agentConnection = async () => ({
    conn: `host=127.0.0.1 port=${proxyPort} dbname=prod-db user=agent sslmode=disable`,
    env: { ...process.env, PGPASSWORD: await oidc.issueToken(AGENT) },
  });

  return {
    api,
    proxyPort,
    pg,
    oidc,
    serves,
    browser,
    page,
    requests,
    cspViolations,
    ...(sshProxyPort ? { sshProxyPort } : {}),
    assertNothingFromOutside() {
      const gateway = new URL(api).origin;
      assert.ok(requests.length > 5, 'requests were seen');
      const fromConsole = requests.filter((r) => r.frameUrl.startsWith(gateway) && !r.navigation);
      assert.deepEqual(
        fromConsole.filter((r) => new URL(r.url).origin !== gateway).map((r) => r.url),
        [],
        'console pages load only from the gateway',
      );
      assert.deepEqual(
        requests
          .filter((r) => r.navigation)
          .map((r) => new URL(r.url).origin)
          .filter((o) => o !== gateway && o !== oidc.issuer),
        [],
      );
      return fromConsole;
    },
    upstream,
    agentConnection,
    async agent(statement) {
      const { conn, env } = await agentConnection();
      return promisify(execFile)(PSQL, [conn, '-Atc', statement], { env }).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({
          code: e.code,
          stdout: e.stdout,
          stderr: e.stderr,
        }),
      );
    },
    async shoot(name) {
      const path = join(CONSOLE_ARTIFACTS_DIR, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      screenshots.push(path);
    },
    signIn: (login) => signInToConsole(page, { api, issuer: oidc.issuer, login }),
    async signOut() {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Signed out' }).waitFor();
      assert.equal(
        (await browser.context.cookies(api)).filter((c) => c.name === 'portcullis-console').length,
        0,
      );
      await browser.context.clearCookies();
    },
    async stop() {
      await undo();
      if (screenshots.length)
        console.log(`console screenshots:\n${screenshots.map((p) => `  ${p}`).join('\n')}`);
    },
  };
}
