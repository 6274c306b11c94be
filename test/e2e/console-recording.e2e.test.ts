/**
 * An SSH terminal recording played in the console, in a real browser:
 * real `ssh -tt` through `portcullis serve`'s SSH proxy to a real sshd,
 * two lines typed at the prompt; an auditor signs in on the real
 * `oidc-provider` login page (headless Debian chromium via playwright-core),
 * opens the session's detail page, and asciinema-player (served by the
 * gateway) plays it from the keyboard: the terminal shows the echoed text,
 * the typed lines are markers, `[` jumps back to them. A session without a recording says so; someone who is no
 * auditor or admin gets no recording; nothing is loaded from outside the
 * gateway. Screenshots go where console.e2e's go (PORTCULLIS_ARTIFACTS_DIR).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import {
  freePort,
  grantingPolicyBundle,
  OPENSSH_TOKEN_OPTIONS,
  startOidcProvider,
  startServe,
  startSshd,
  tempDir,
  type OidcProvider,
  type ServeProcess,
  type SshdServer,
  type TempDir,
} from '@portcullis/test-support';
import { openConsoleBrowser, type ConsoleBrowser } from './console-browser.js';

const AGENT = 'ci-deployer';
const AUDITOR = 'audrey';
const OTHER = 'bob';
const CONSOLE_CLIENT = 'portcullis-console';
const ECHOED = 'portcullis-recording-check';
const TYPED = [`echo ${ECHOED}`, 'exit'];

interface SessionItem {
  sessionId: string;
  status: string;
}

describe('an SSH recording in the console, in headless chromium', () => {
  let dir: TempDir;
  let oidc: OidcProvider;
  let sshd: SshdServer;
  let serve: ServeProcess;
  let consoleBrowser: ConsoleBrowser;
  let page: Page;
  let api: string;
  let proxyPort: number;
  let shellSession: string;
  let execSession: string;
  const cspViolations: string[] = [];

  const ssh = async (args: string[]) => {
    const token = await oidc.issueToken(AGENT);
    return spawn('sshpass', ['-e', 'ssh', ...OPENSSH_TOKEN_OPTIONS, '-p', String(proxyPort), ...args], {
      env: { ...process.env, SSHPASS: token },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  };

  /** The target's sessions, newest first, once `count` of them are closed. */
  async function closedSessions(count: number): Promise<SessionItem[]> {
    const token = await oidc.issueToken('auditor-app');
    for (let i = 0; i < 100; i++) {
      const response = await fetch(`${api}/api/sessions?target=web-1`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(response.status, 200);
      const { items } = (await response.json()) as { items: SessionItem[] };
      if (items.length >= count && items.every((s) => s.status === 'closed')) return items;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`not ${count} closed sessions: ${serve.output()}`);
  }

  before(async () => {
    dir = await tempDir('portcullis-console-recording-e2e-');
    const apiPort = await freePort();
    proxyPort = await freePort();
    api = `http://127.0.0.1:${apiPort}`;
    oidc = await startOidcProvider({
      clients: [{ clientId: AGENT }, { clientId: 'auditor-app', groups: ['auditors'] }],
      users: [
        { accountId: AUDITOR, groups: ['auditors'] },
        { accountId: OTHER, groups: ['developers'] },
      ],
      webClients: [{ clientId: CONSOLE_CLIENT, redirectUris: [`${api}/console/callback`] }],
    });
    const keyFile = join(dir.path, 'upstream_key');
    await promisify(execFile)('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile]);
    sshd = await startSshd({ authorizedKeys: [(await readFile(`${keyFile}.pub`, 'utf8')).trim()] });
    const bundle = await grantingPolicyBundle(dir.path, {
      issuer: oidc.issuer,
      appIds: [AGENT],
      targetLabels: [{ kind: ['host'] }],
    });
    const config = join(dir.path, 'portcullis.yaml');
    await writeFile(
      config,
      [
        'instance: gw-console-recording',
        `api: { listen: "127.0.0.1:${apiPort}", auditorGroups: [auditors] }`,
        `store: { kind: pglite, dataDir: ${join(dir.path, 'data')} }`,
        `policy: { bundle: ${bundle} }`,
        'issuers:',
        `  - { issuer: "${oidc.issuer}", audiences: ["${oidc.audience}"], jwksUrl: "${oidc.jwksUrl}" }`,
        'console:',
        '  issuers:',
        `    - { issuer: "${oidc.issuer}", name: Test provider, clientId: ${CONSOLE_CLIENT}, clientSecret: secret-${CONSOLE_CLIENT}, scope: "openid connect", resource: "${oidc.audience}" }`,
        'targets:',
        '  - name: web-1',
        '    protocol: ssh',
        `    listen: "127.0.0.1:${proxyPort}"`,
        '    labels: { env: dev, kind: host }',
        '    upstream:',
        '      host: 127.0.0.1',
        `      port: ${sshd.port}`,
        `      user: ${sshd.user}`,
        '      privateKeyFile: upstream_key',
        `      hostKey: "${sshd.hostPublicKey}"`,
        '',
      ].join('\n'),
    );
    serve = await startServe(config);
    consoleBrowser = await openConsoleBrowser({ api, issuer: oidc.issuer, label: 'recording' });
    page = consoleBrowser.page;
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
  });

  after(async () => {
    await consoleBrowser?.close();
    await serve?.stop('SIGKILL');
    await sshd?.stop();
    await oidc?.stop();
    await dir?.remove();
  });

  it('records an exec without a pty (no recording) and a shell typed into with ssh -tt', async () => {
    const exec = await ssh(['web-1@127.0.0.1', 'true']);
    const execCode = await new Promise<number | null>((resolve) => exec.once('exit', resolve));
    assert.equal(execCode, 0);

    const shell = await ssh(['-tt', 'web-1@127.0.0.1']);
    let output = '';
    shell.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    shell.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => shell.once('exit', resolve));
    const until = async (what: string, done: () => boolean) => {
      for (let i = 0; i < 150 && !done(); i++) await new Promise((r) => setTimeout(r, 100));
      assert.ok(done(), `${what}; the terminal showed: ${JSON.stringify(output)}`);
    };
    // Typed like a person: a line, its output, the next line.
    await until('a prompt', () => output.length > 0);
    await new Promise((r) => setTimeout(r, 300));
    shell.stdin.write(`${TYPED[0]}\n`);
    // The echo of the typed line, then the command's output.
    await until('the echoed text', () => output.split(ECHOED).length >= 3);
    await new Promise((r) => setTimeout(r, 500));
    shell.stdin.write(`${TYPED[1]}\n`);
    assert.equal(await exited, 0, output);

    [shellSession, execSession] = (await closedSessions(2)).map((s) => s.sessionId) as [string, string];
    assert.ok(shellSession && execSession && shellSession !== execSession);
  });

  it('an auditor plays the recording on the session’s page: the echoed text and the typed commands as markers', async () => {
    await consoleBrowser.signIn(AUDITOR);
    const response = await page.goto(`${api}/console/sessions/${shellSession}`);
    assert.equal(response?.status(), 200);
    const csp = response?.headers()['content-security-policy'] ?? '';
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/, 'WebAssembly for the player, on this page');
    assert.match(csp, /style-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|'unsafe-eval'/);

    const player = page.locator('#recording-player .ap-player');
    await player.waitFor();
    // Preloaded: the typed lines are markers on the progress bar before it plays.
    const markers = page.locator('#recording-player .ap-marker-container');
    await markers.first().waitFor({ state: 'attached' });
    const labels = (await markers.allTextContents()).map((t) => t.trim());
    for (const line of TYPED)
      assert.ok(
        labels.some((l) => l.includes(line)),
        `a marker for "${line}": ${labels}`,
      );
    const terminal = page.locator('#recording-player .ap-term');
    assert.doesNotMatch(await terminal.innerText(), new RegExp(ECHOED), 'nothing shown before playing');
    await consoleBrowser.shoot('01-session-recording');

    // With the keyboard: the terminal takes focus, space plays.
    await page.locator('#recording-player .ap-term-text').focus();
    await page.keyboard.press(' ');
    // The command's output: a line of the terminal that is the echoed text alone (not the typed line).
    await page.waitForFunction(
      (text) =>
        (
          globalThis as unknown as { document: { querySelector(s: string): { innerText: string } | null } }
        ).document
          .querySelector('#recording-player .ap-term')
          ?.innerText.split('\n')
          .some((line) => line.trim() === text),
      ECHOED,
    );
    assert.match(
      await terminal.innerText(),
      new RegExp(`echo ${ECHOED}`),
      'the typed line, as the terminal echoed it',
    );
    await page.locator('#recording-player .ap-term').getByText('logout').waitFor();
    await consoleBrowser.shoot('02-session-recording-played');
    // `[` jumps back a typed command (to `exit`), again to the one before (`echo …`, typed half a
    // second and more before `exit`): the terminal as it was then, before `logout`.
    await page.keyboard.press('[');
    await page.keyboard.press('[');
    await page.waitForFunction(
      () =>
        !(
          globalThis as unknown as { document: { querySelector(s: string): { innerText: string } | null } }
        ).document
          .querySelector('#recording-player .ap-term')
          ?.innerText.includes('logout'),
    );
    assert.deepEqual(cspViolations, [], 'the player runs under the page’s policy');

    // The cast the player got: asciicast v2, markers, and no typed-input frames.
    const cast = await page.evaluate(
      async (path) => (await fetch(path)).text(),
      `/console/sessions/${shellSession}/recording.cast`,
    );
    const [header, ...events] = cast
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    assert.equal((header as { version: number }).version, 2);
    const codes = (events as [number, string, string][]).map((e) => e[1]);
    assert.ok(codes.includes('o') && codes.includes('m'));
    assert.ok(!codes.includes('i'), 'typed input is not in the console’s cast');
  });

  it('a session without a recording says so', async () => {
    const response = await page.goto(`${api}/console/sessions/${execSession}`);
    await page.getByText(/No recording: this session has no terminal recording/).waitFor();
    assert.equal(await page.locator('#recording-player').count(), 0);
    assert.doesNotMatch(response?.headers()['content-security-policy'] ?? '', /wasm-unsafe-eval/);
    await consoleBrowser.shoot('03-session-no-recording');
    const missing = await page.evaluate(
      async (path) => (await fetch(path)).status,
      `/console/sessions/${execSession}/recording.cast`,
    );
    assert.equal(missing, 404);
  });

  it('no page loaded anything from outside the gateway', () => {
    const fromConsole = consoleBrowser.assertNothingFromOutside();
    for (const asset of ['asciinema-player.js', 'asciinema-player.css', 'console-player.js'])
      assert.ok(
        fromConsole.some((r) => r.url.endsWith(`/console/assets/${asset}`)),
        asset,
      );
    assert.ok(fromConsole.some((r) => r.url.endsWith(`/console/sessions/${shellSession}/recording.cast`)));
  });

  it('someone who is neither auditor nor admin gets no recording', async () => {
    const anonymous = await fetch(`${api}/console/sessions/${shellSession}/recording.cast`);
    assert.equal(anonymous.status, 401);
    await consoleBrowser.browser.context.clearCookies();
    await consoleBrowser.signIn(OTHER);
    await page.goto(`${api}/console/sessions/${shellSession}`);
    await consoleBrowser.shoot('04-session-recording-forbidden');
    assert.match(
      await page.locator('section.recording').innerText(),
      /This session has a terminal recording\. Only auditors and admins .* may play it/,
    );
    assert.equal(await page.locator('#recording-player').count(), 0);
    const status = await page.evaluate(
      async (path) => (await fetch(path)).status,
      `/console/sessions/${shellSession}/recording.cast`,
    );
    assert.equal(status, 403);
  });
});
