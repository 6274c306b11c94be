/**
 * The web console in a real browser: headless Debian chromium driven by
 * playwright-core, against two `portcullis serve` instances on one
 * PostgreSQL store, with a real `oidc-provider` (its login page), real
 * PostgreSQL and real `psql`. An approver signs in to instance B's console,
 * a statement pauses on instance A and shows up in the inbox by itself, a
 * grant in the page releases it; the requester cannot approve their own request; a
 * session's detail shows its statements and masks; a request without the
 * CSRF token is refused; and nothing is loaded from outside the gateway.
 * Screenshots of each page go to PORTCULLIS_ARTIFACTS_DIR (default: a temp
 * dir); their paths are printed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { Chromium, OidcProvider, ServeProcess } from '@portcullis/test-support';
import { AGENT, startConsoleHarness, type ConsoleHarness, type SeenRequest } from './console-harness.js';

const APPROVER = 'alice';

describe('the web console in headless chromium', () => {
  let h: ConsoleHarness;
  let oidc: OidcProvider;
  let serves: readonly ServeProcess[];
  let browser: Chromium;
  let page: Page;
  let api: string;
  let requests: readonly SeenRequest[];

  const upstream = (statement: string) => h.upstream(statement);
  const agent = (statement: string) => h.agent(statement);
  const shoot = (name: string) => h.shoot(name);
  const signIn = (login: string) => h.signIn(login);
  const signOut = () => h.signOut();

  const pendingCard = (text: string) =>
    page.locator('article.approval[data-status="pending"]', { hasText: text });

  before(async () => {
    h = await startConsoleHarness({
      name: 'portcullis-console-e2e-',
      users: [
        // An approver who also reads sessions (an auditor).
        { accountId: APPROVER, groups: ['dba-oncall', 'soc-readers'] },
        // The agent's own subject, in the approver group too: only the self-approval rule stops it.
        { accountId: AGENT, groups: ['dba-oncall'] },
      ],
      consoleLines: ['  adminGroups: [dba-admins]', '  auditorGroups: [soc-readers]'],
      upstreamSql:
        "CREATE TABLE public.users (id int, email text); INSERT INTO public.users VALUES (1, 'ada@example.org'), (2, 'bob@example.org')",
    });
    ({ oidc, serves, browser, page, api, requests } = h);
  });

  after(async () => {
    await h?.stop();
  });

  it('an approver signs in on the organisation provider’s login page', async () => {
    const response = await page.goto(`${api}/console`);
    assert.equal(new URL(page.url()).pathname, '/console/sign-in');
    const csp = response?.headers()['content-security-policy'] ?? '';
    assert.match(csp, /default-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    await shoot('01-sign-in');
    await page.getByRole('link', { name: 'Sign in with Test provider' }).click();
    await page.waitForURL((url) => url.origin === oidc.issuer);
    await shoot('02-provider-login');
    await page.locator('input[name="login"]').fill(APPROVER);
    await page.locator('input[name="password"]').fill('any password');
    await page.locator('button[type="submit"]').click();
    await page.waitForURL(`${api}/console/approvals`);
    await page.getByText(`Signed in as ${APPROVER}`).waitFor();
    const cookies = await browser.context.cookies(api);
    const session = cookies.find((c) => c.name === 'portcullis-console');
    assert.ok(session, 'a console session cookie');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Lax');
    await shoot('03-inbox-empty');
  });

  it('a statement paused on another instance appears without a reload, and a grant in the page lets psql complete', async () => {
    await page.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true));
    await page.locator('body[data-live="connected"]').waitFor();
    const text = 'CREATE TABLE public.granted_in_console (id int)';
    const running = agent(text);
    const card = pendingCard(text);
    await card.waitFor();
    assert.equal(
      await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded),
      true,
    );
    assert.equal(
      upstream("SELECT to_regclass('public.granted_in_console') IS NULL"),
      't',
      'nothing ran while paused',
    );
    const shown = await card.innerText();
    assert.match(shown, new RegExp(AGENT), 'the requester');
    assert.match(shown, /prod-db/, 'the target');
    assert.match(shown, /create/i, 'the classification');
    assert.match(shown, /in \d+:\d\d/, 'the expiry countdown');
    assert.equal(await card.locator('.sql-keyword').first().innerText(), 'CREATE');
    await shoot('04-inbox-pending');
    // With the keyboard only: type the comment, Tab to Grant, Enter.
    await card.getByLabel(/Comment/).focus();
    await page.keyboard.type('fine, a new table');
    await page.keyboard.press('Tab');
    assert.equal(await page.locator(':focus').innerText(), 'Grant');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Granted' }).waitFor();
    const result = await running;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(upstream("SELECT to_regclass('public.granted_in_console') IS NOT NULL"), 't');
    await shoot('05-inbox-granted');
  });

  it('refuses a state change without the CSRF token, or from another origin', async () => {
    const text = 'CREATE TABLE public.csrf_probe (id int)';
    const running = agent(text);
    const card = pendingCard(text);
    await card.waitFor();
    const id = await card.getAttribute('data-approval-id');
    // From the console page itself (same origin, the session cookie goes along), without the token.
    const status = await page.evaluate(async (approvalId) => {
      const response = await fetch(`/console/approvals/${approvalId}/decide`, {
        method: 'POST',
        body: new URLSearchParams({ decision: 'grant' }),
      });
      return response.status;
    }, id);
    assert.equal(status, 403);
    // With the right token but from another site's page.
    const cookie = (await browser.context.cookies(api)).map((c) => `${c.name}=${c.value}`).join('; ');
    const token = await card.locator('input[name="csrf"]').getAttribute('value');
    const foreign = await fetch(`${api}/console/approvals/${id}/decide`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, origin: 'http://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ decision: 'grant', csrf: token ?? '' }),
    });
    assert.equal(foreign.status, 403);
    // A callback nobody started here is refused (the state is bound to a cookie of this browser).
    const stray = await fetch(`${api}/console/callback?code=x&state=y`, { headers: { cookie } });
    assert.equal(stray.status, 400);
    await page.reload();
    await pendingCard(text).waitFor();
    assert.equal(upstream("SELECT to_regclass('public.csrf_probe') IS NULL"), 't', 'still paused');
    await pendingCard(text).getByRole('button', { name: 'Deny' }).click();
    await page.getByRole('status').filter({ hasText: 'Denied' }).waitFor();
    const result = await running;
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /portcullis: denied: approval .* denied/);
  });

  it('the requester’s own identity cannot approve, and the page says why', async () => {
    await signOut();
    await signIn(AGENT);
    const text = 'CREATE TABLE public.self_approved (id int)';
    const running = agent(text);
    const card = pendingCard(text);
    await card.waitFor();
    await card.getByRole('button', { name: 'Grant' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /you are its requester/);
    await pendingCard(text).waitFor();
    await shoot('06-self-approval-refused');
    assert.equal(upstream("SELECT to_regclass('public.self_approved') IS NULL"), 't');
    await signOut();
    await signIn(APPROVER);
    await pendingCard(text).getByRole('button', { name: 'Deny' }).click();
    await page.getByRole('status').filter({ hasText: 'Denied' }).waitFor();
    assert.notEqual((await running).code, 0);
  });

  it('a session’s detail shows its statements and masks, never the values', async () => {
    const result = await agent('SELECT id, email FROM public.users ORDER BY id');
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout, /ada@example\.org/, 'masked on the wire');
    let opened = false;
    for (let i = 0; i < 100 && !opened; i++) {
      await page.goto(`${api}/console/sessions?identity=${AGENT}&status=closed`);
      const row = page.locator('tr[data-session-id]').first();
      if ((await row.count()) === 1) {
        await row.getByRole('link', { name: /Details/ }).click();
        opened = (await page.getByText('SELECT id, email FROM public.users').count()) > 0;
      }
      if (!opened) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(opened, 'the newest closed session of the agent is the SELECT');
    await page.goto(`${api}/console/sessions?identity=someone-else`);
    assert.equal(await page.locator('tr[data-session-id]').count(), 0, 'the identity filter filters');
    await page.goto(`${api}/console/sessions?identity=${AGENT}`);
    await shoot('07-sessions');
    await page
      .locator('tr[data-session-id]')
      .first()
      .getByRole('link', { name: /Details/ })
      .click();
    const masks = page.locator('table.masks');
    await masks.waitFor();
    const row = masks.locator('tbody tr', { hasText: 'public.users.email' });
    assert.deepEqual(await row.locator('td').allInnerTexts(), ['public.users.email', 'partial', '—', '2']);
    const body = await page.locator('main').innerText();
    assert.match(body, /allowed/);
    assert.doesNotMatch(body, /ada@example\.org|bob@example\.org/);
    await shoot('08-session-detail');
    await page.emulateMedia({ colorScheme: 'dark' });
    const background = await page.evaluate(() => {
      const browser = globalThis as unknown as {
        document: { body: unknown };
        getComputedStyle(element: unknown): { backgroundColor: string };
      };
      return browser.getComputedStyle(browser.document.body).backgroundColor;
    });
    assert.equal(background, 'rgb(20, 22, 27)', 'the dark theme follows the system setting');
    await shoot('09-session-detail-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('no page loaded anything from outside the gateway', () => {
    assert.ok(requests.length > 10, 'requests were seen');
    const fromConsole = h.assertNothingFromOutside();
    assert.ok(fromConsole.some((r) => r.url.endsWith('/console/assets/console.js')));
    assert.ok(fromConsole.some((r) => r.url.endsWith('/console/events')));
  });

  it('a gateway with a live inbox open shuts down cleanly on SIGTERM', async () => {
    await page.goto(`${api}/console/approvals`);
    await page.locator('body[data-live="connected"]').waitFor();
    assert.equal(await serves[1]!.stop('SIGTERM'), 0, serves[1]!.output());
    await page.locator('body[data-live="reconnecting"]').waitFor();
  });
});
