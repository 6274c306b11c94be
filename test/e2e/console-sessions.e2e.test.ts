/**
 * The console's sessions pages in a real browser (headless Debian chromium,
 * playwright-core), on the shared console harness: two `portcullis serve`
 * instances on one store, a real `oidc-provider` login page, real
 * PostgreSQL and psql. An approver who is neither auditor nor admin is
 * refused the sessions pages, and is told why; an admin terminates a live
 * psql session (held by instance A) from its page on instance B, psql gets
 * FATAL 57P01, and the page then shows the session closed and by whom; the
 * time filter narrows the list. Screenshots go where console.e2e's go.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { AGENT, PSQL, startConsoleHarness, type ConsoleHarness } from './console-harness.js';

const ADMIN = 'olga';
const APPROVER = 'alice';
const REASON = 'incident 7';

/** `YYYY-MM-DDTHH:MM` in UTC, as a datetime-local input takes it. */
const minute = (ms: number) => new Date(ms).toISOString().slice(0, 16);

describe('the console’s sessions pages in headless chromium', () => {
  let h: ConsoleHarness;
  let sessionId: string;
  let openedAtMs: number;

  before(async () => {
    h = await startConsoleHarness({
      name: 'portcullis-console-sessions-e2e-',
      users: [
        { accountId: ADMIN, groups: ['dba-admins'] },
        // Approves statements, but neither audits nor administers.
        { accountId: APPROVER, groups: ['dba-oncall'] },
      ],
      consoleLines: ['  adminGroups: [dba-admins]', '  auditorGroups: [soc-readers]'],
    });
  });

  after(async () => {
    await h?.stop();
  });

  /** The form token of the page's console session (every signed-in page carries it in the sign-out form). */
  const csrfToken = async () =>
    (await h.page.locator('form[action="/console/sign-out"] input[name="csrf"]').getAttribute('value')) ?? '';

  it('an approver who is neither auditor nor admin is refused the sessions pages, and told why', async () => {
    const { page, api } = h;
    await h.signIn(APPROVER);
    assert.equal(await page.getByRole('navigation').getByRole('link', { name: 'Sessions' }).count(), 0);
    for (const path of ['/console/sessions', '/console/sessions/00000000-0000-0000-0000-000000000000']) {
      const response = await page.goto(`${api}${path}`);
      assert.equal(response?.status(), 403, path);
      await page.getByRole('heading', { name: 'Not allowed' }).waitFor();
      const text = await page.locator('main').innerText();
      assert.match(text, /not an auditor or admin/);
      assert.match(text, /console\.auditorGroups or console\.adminGroups/);
      assert.equal(await page.locator('table.sessions').count(), 0);
    }
    await h.shoot('10-sessions-refused');
    // Nor may they terminate one, even with a valid form token.
    const token = await csrfToken();
    const refused = await page.evaluate(async (csrf) => {
      const response = await fetch('/console/sessions/00000000-0000-0000-0000-000000000000/terminate', {
        method: 'POST',
        body: new URLSearchParams({ csrf, reason: 'not mine to end' }),
      });
      return { status: response.status, text: await response.text() };
    }, token);
    assert.equal(refused.status, 403);
    assert.match(refused.text, /not an admin/);
    await h.signOut();
  });

  it('an admin terminates a live psql session from its page: psql gets FATAL 57P01, the page shows who closed it', async () => {
    const { page, api } = h;
    // An interactive psql (statements on its stdin), through instance A.
    const { conn, env } = await h.agentConnection();
    const psql = spawn(PSQL, ['-X', '-At', '-v', 'VERBOSITY=verbose', conn], { env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    psql.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    psql.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => psql.once('exit', resolve));
    try {
      psql.stdin.write('SELECT 40 + 2;\n');
      for (let i = 0; i < 100 && !stdout.includes('42'); i++) await new Promise((r) => setTimeout(r, 100));
      assert.match(stdout, /42/, stderr);

      await h.signIn(ADMIN);
      assert.equal(await page.getByRole('navigation').getByRole('link', { name: 'Sessions' }).count(), 1);
      // The read model follows the store: the live session shows up in the list within a moment.
      let row = page.locator('tr[data-session-id]').first();
      for (let i = 0; i < 100; i++) {
        await page.goto(`${api}/console/sessions?identity=${AGENT}&status=open`);
        row = page.locator('tr[data-session-id]').first();
        if ((await row.count()) === 1) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      sessionId = (await row.getAttribute('data-session-id')) ?? '';
      assert.ok(sessionId, 'the live session is listed');
      assert.match(await row.innerText(), /live/);
      openedAtMs = Date.parse((await row.locator('time').getAttribute('datetime')) ?? '');
      await row.getByRole('link', { name: /Details/ }).click();
      await page.getByText('SELECT 40 + 2').waitFor();
      assert.match(await page.locator('.session-facts').innerText(), /live/);

      // Without the form token: refused, and the session stays live.
      const noToken = await page.evaluate(async (id) => {
        const response = await fetch(`/console/sessions/${id}/terminate`, {
          method: 'POST',
          body: new URLSearchParams({ reason: 'forged' }),
        });
        return response.status;
      }, sessionId);
      assert.equal(noToken, 403);

      await page.getByLabel(/Reason/).fill(REASON);
      await h.shoot('11-session-live-terminate');
      await page.getByRole('button', { name: 'Terminate session' }).click();
      await page.getByRole('status').filter({ hasText: 'Termination requested' }).waitFor();

      // psql learns of it at its next statement (it does not read the socket while waiting on stdin).
      psql.stdin.end('SELECT 1;\n');
      assert.notEqual(await exited, 0);
      assert.match(
        stderr,
        new RegExp(`FATAL:\\s+57P01: portcullis: session terminated by ${ADMIN}: ${REASON}`),
      );

      // The instance holding it recorded SessionClosed; the page shows it closed, by whom and why.
      let facts = '';
      for (let i = 0; i < 100 && !/closed/.test(facts); i++) {
        await page.goto(`${api}/console/sessions/${sessionId}`);
        facts = await page.locator('.session-facts').innerText();
        if (!/closed/.test(facts)) await new Promise((r) => setTimeout(r, 100));
      }
      assert.match(facts, /closed \(terminated\)/);
      assert.match(await page.locator('dd.terminated-by').innerText(), new RegExp(`${ADMIN}.*: ${REASON}`));
      assert.equal(await page.getByRole('button', { name: 'Terminate session' }).count(), 0);
      await h.shoot('12-session-terminated');

      // Once more, on the closed session: refused with the handler's reason.
      const token = await csrfToken();
      const again = await page.evaluate(
        async ({ id, csrf }) => {
          const response = await fetch(`/console/sessions/${id}/terminate`, {
            method: 'POST',
            body: new URLSearchParams({ csrf }),
          });
          return response.text();
        },
        { id: sessionId, csrf: token },
      );
      assert.match(again, /Not terminated: session \S+ is already closed/);
    } finally {
      psql.kill('SIGKILL');
    }
  });

  it('the time filter narrows the list, and a bad time is refused with a clear message', async () => {
    const { page, api } = h;
    assert.ok(sessionId, 'the previous test found the session');
    const listed = async () =>
      page
        .locator('tr[data-session-id]')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-session-id')));
    // With the form: the last hour has it.
    await page.goto(`${api}/console/sessions?identity=${AGENT}`);
    await page.getByLabel('Live in').selectOption('1h');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/range=1h/);
    assert.ok((await listed()).includes(sessionId), 'in the last hour');
    await h.shoot('13-sessions-last-hour');

    // From/to around it has it; a window after it closed, or before it opened, does not.
    const around = { from: minute(openedAtMs - 3_600_000), to: minute(openedAtMs + 3_600_000) };
    await page.goto(`${api}/console/sessions?identity=${AGENT}`);
    await page.getByLabel('From (UTC)').fill(around.from);
    await page.getByLabel('To (UTC)').fill(around.to);
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/from=/);
    assert.ok((await listed()).includes(sessionId), 'live in the window around it');
    assert.equal(await page.getByLabel('From (UTC)').inputValue(), around.from, 'the form keeps the filter');

    for (const [from, to] of [
      [minute(Date.now() + 86_400_000), ''],
      ['', minute(openedAtMs - 3_600_000)],
    ] as const) {
      await page.goto(`${api}/console/sessions?${new URLSearchParams({ identity: AGENT, from, to })}`);
      assert.equal((await listed()).length, 0, `from ${from} to ${to}`);
      assert.match(await page.locator('table.sessions caption').innerText(), /none match/);
    }

    // A bad time: 400, the form with what is wrong, and no list.
    const bad = await page.goto(`${api}/console/sessions?from=yesterday`);
    assert.equal(bad?.status(), 400);
    assert.match(await page.getByRole('alert').innerText(), /"yesterday" is not a time for "from"/);
    assert.equal(await page.locator('table.sessions').count(), 0);
    const reversed = await page.goto(
      `${api}/console/sessions?${new URLSearchParams({ from: around.to, to: around.from })}`,
    );
    assert.equal(reversed?.status(), 400);
    assert.match(await page.getByRole('alert').innerText(), /"From" must be before "to"/);
    await h.shoot('14-sessions-bad-time');
  });
});
