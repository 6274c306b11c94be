/**
 * An SSH terminal recording played in the console, in a real browser:
 * real `ssh -tt` through `portcullis serve`'s SSH proxy to a real sshd,
 * two lines typed at the prompt; an auditor signs in on the real
 * `oidc-provider` login page (headless Debian chromium via playwright-core),
 * opens the session's detail page, and asciinema-player (served by the
 * gateway) plays it from the keyboard: the terminal shows the echoed text,
 * the typed lines are markers, `[` jumps back to them. A session without a recording says so; someone who is no
 * auditor or admin gets the sessions pages' 403 (and no cast); nothing is loaded from outside the
 * gateway. On the console harness (console-harness.ts, with its SSH target).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { Page } from 'playwright-core';
import { OPENSSH_TOKEN_OPTIONS } from '@portcullis/test-support';
import { AGENT, startConsoleHarness, type ConsoleHarness } from './console-harness.js';

const AUDITOR = 'audrey';
const OTHER = 'bob';
const ECHOED = 'portcullis-recording-check';
const TYPED = [`echo ${ECHOED}`, 'exit'];

interface SessionItem {
  sessionId: string;
  status: string;
}

describe('an SSH recording in the console, in headless chromium', () => {
  let h: ConsoleHarness;
  let page: Page;
  let api: string;
  let shellSession: string;
  let execSession: string;

  const ssh = async (args: string[]) => {
    const token = await h.oidc.issueToken(AGENT);
    return spawn('sshpass', ['-e', 'ssh', ...OPENSSH_TOKEN_OPTIONS, '-p', String(h.sshProxyPort), ...args], {
      env: { ...process.env, SSHPASS: token },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  };

  /** The target's sessions, newest first, once `count` of them are closed. */
  async function closedSessions(count: number): Promise<SessionItem[]> {
    const token = await h.oidc.issueToken('auditor-app');
    for (let i = 0; i < 100; i++) {
      const response = await fetch(`${api}/api/sessions?target=web-1`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(response.status, 200);
      const { items } = (await response.json()) as { items: SessionItem[] };
      if (items.length >= count && items.every((s) => s.status === 'closed')) return items;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`not ${count} closed sessions: ${h.serves.map((s) => s.output()).join('\n')}`);
  }

  before(async () => {
    h = await startConsoleHarness({
      name: 'portcullis-console-recording-e2e-',
      ssh: true,
      clients: [{ clientId: 'auditor-app', groups: ['auditors'] }],
      users: [
        { accountId: AUDITOR, groups: ['auditors'] },
        { accountId: OTHER, groups: ['developers'] },
      ],
      api: 'auditorGroups: [auditors]',
      consoleLines: [],
    });
    ({ page, api } = h);
  });

  after(async () => {
    await h?.stop();
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
    await h.signIn(AUDITOR);
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
    await h.shoot('recording-01-session-recording');

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
    await h.shoot('recording-02-session-recording-played');
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
    assert.deepEqual(h.cspViolations, [], 'the player runs under the page’s policy');

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
    await h.shoot('recording-03-session-no-recording');
    const missing = await page.evaluate(
      async (path) => (await fetch(path)).status,
      `/console/sessions/${execSession}/recording.cast`,
    );
    assert.equal(missing, 404);
  });

  it('no page loaded anything from outside the gateway', () => {
    const fromConsole = h.assertNothingFromOutside();
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
    await h.browser.context.clearCookies();
    await h.signIn(OTHER);
    // The session's page is the sessions pages' readers', the recording with it.
    const response = await page.goto(`${api}/console/sessions/${shellSession}`);
    assert.equal(response?.status(), 403);
    await page.locator('[data-reason="not_an_auditor_or_admin"]').waitFor();
    await h.shoot('recording-04-session-recording-forbidden');
    assert.equal(await page.locator('#recording-player').count(), 0);
    const status = await page.evaluate(
      async (path) => (await fetch(path)).status,
      `/console/sessions/${shellSession}/recording.cast`,
    );
    assert.equal(status, 403);
  });
});
