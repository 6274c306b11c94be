/**
 * The console's Compliance pages in a real browser: headless Debian
 * chromium driven by playwright-core against `portcullis serve` (the
 * console tests' shared setup, console-harness.ts), with a
 * real `oidc-provider` login page, real PostgreSQL and real `psql`. The
 * agent reads a masked column, tries a DROP and has a CREATE approved
 * through the proxy; an auditor signs in and reads each compliance page (identities, the agent's
 * activity, denials, sensitive access, approval service levels, the audit
 * chain with its last signed anchor and an on-demand chain walk), sees the
 * columns and counts but never a masked value, and downloads a CSV that is
 * byte for byte the REST endpoint's; a person who is neither auditor nor
 * admin is refused with the reason. Screenshots go to the console tests'
 * artefacts dir (PORTCULLIS_ARTIFACTS_DIR, default a temp dir).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { Chromium, OidcProvider } from '@portcullis/test-support';
import { AGENT, startConsoleHarness, type ConsoleHarness } from './console-harness.js';

const AUDITOR = 'audrey';
const OUTSIDER = 'olivia';
const AUDIT_CLIENT = 'audit-bot';
const APPROVER_CLIENT = 'oncall-bot';
const REVIEWED = 'CREATE TABLE public.reviewed_table (id int)';
const SECRETS = ['ada@example.org', 'bob@example.org'];
const SELECT = 'SELECT id, email FROM public.users ORDER BY id';
const DROP = 'DROP TABLE public.users';

describe('the console’s compliance pages in headless chromium', () => {
  let h: ConsoleHarness;
  let oidc: OidcProvider;
  let browser: Chromium;
  let page: Page;
  let api: string;
  /** Sessions (one statement each) the agent ran, and those refused for the policy's time budget. */
  let runs = 0;
  let budgetDenials = 0;
  const budgetRefused = new Map<string, number>();

  const agent = (statement: string) => h.agent(statement);

  /**
   * A statement, run again while the policy refuses it for its time budget
   * (a cold start, or a loaded machine): each run is a session and a command
   * in the read models, each budget refusal a denial, counted for the assertions.
   */
  async function agentDecided(statement: string) {
    for (let attempt = 1; ; attempt++) {
      const result = await agent(statement);
      runs += 1;
      if (!/over the \d+ ns budget/.test(result.stderr) || attempt === 5) return result;
      budgetDenials += 1;
      budgetRefused.set(statement, (budgetRefused.get(statement) ?? 0) + 1);
    }
  }

  const shoot = (name: string) => h.shoot(`compliance-${name}`);
  const signIn = (login: string) => h.signIn(login);

  /** Reloads `path` until `ready` holds (the read models follow the store within moments). */
  async function openUntil(path: string, ready: () => Promise<boolean>, what: string): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const response = await page.goto(`${api}${path}`);
      assert.equal(response?.status(), 200, `${path}: ${await response?.text()}`);
      if (await ready()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`${what} (${path})`);
  }

  const mainText = () => page.locator('main').innerText();

  function assertNoSecret(text: string, where: string): void {
    for (const secret of SECRETS) assert.ok(!text.includes(secret), `${secret} shown on ${where}`);
  }

  before(async () => {
    h = await startConsoleHarness({
      name: 'portcullis-console-compliance-e2e-',
      clients: [
        { clientId: AUDIT_CLIENT, groups: ['auditors'] },
        { clientId: APPROVER_CLIENT, groups: ['dba-oncall'] },
      ],
      users: [
        { accountId: AUDITOR, groups: ['auditors'] },
        { accountId: OUTSIDER, groups: ['dba-oncall'] },
      ],
      api: 'auditorGroups: [auditors]',
      extra: (dirPath) => [
        'siem:',
        `  anchors: { keyFile: "${join(dirPath, 'anchor-key.pem')}", everyEvents: 5, everySeconds: 1 }`,
      ],
      consoleLines: [],
      upstreamSql:
        "CREATE TABLE public.users (id int, email text); INSERT INTO public.users VALUES (1, 'ada@example.org'), (2, 'bob@example.org')",
    });
    ({ oidc, browser, page, api } = h);

    // The activity the auditor reads: a warm-up, a read of a masked column, a refused DROP.
    await agentDecided('SELECT 1');
    const read = await agentDecided(SELECT);
    assert.equal(read.code, 0, read.stderr);
    assertNoSecret(read.stdout, 'the wire');
    const drop = await agentDecided(DROP);
    assert.notEqual(drop.code, 0, 'the DROP is refused');
    assert.match(drop.stderr, /drop is not allowed on target prod-db/);
    // A statement that needs approval, granted through the REST API: a row of the service levels.
    const running = agent(REVIEWED);
    runs += 1;
    const approver = { authorization: `Bearer ${await oidc.issueToken(APPROVER_CLIENT)}` };
    let id: string | undefined;
    for (let i = 0; i < 300 && !id; i++) {
      const pending = (await (
        await fetch(`${api}/api/approvals?status=pending`, { headers: approver })
      ).json()) as {
        items: { approvalId: string; text: string }[];
      };
      id = pending.items.find((a) => a.text === REVIEWED)?.approvalId;
      if (!id) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(id, 'the CREATE waits for approval');
    const granted = await fetch(`${api}/api/approvals/${id}/grant`, { method: 'POST', headers: approver });
    assert.equal(granted.status, 200, await granted.text());
    const created = await running;
    assert.equal(created.code, 0, created.stderr);
  });

  after(async () => {
    await h?.stop();
  });

  it('refuses a person who is neither auditor nor admin, and says why', async () => {
    await signIn(OUTSIDER);
    assert.equal(
      await page
        .getByRole('navigation', { name: 'Console' })
        .getByRole('link', { name: 'Compliance' })
        .count(),
      0,
      'no Compliance link for a non-auditor',
    );
    for (const path of ['/console/compliance', '/console/compliance/sensitive-access?format=csv']) {
      const response = await page.goto(`${api}${path}`);
      assert.equal(response?.status(), 403, path);
      const alert = page.getByRole('alert');
      assert.match(await alert.innerText(), /not an auditor or admin/);
      assert.equal(await alert.getAttribute('data-reason'), 'not_an_auditor_or_admin');
    }
    await shoot('01-refused');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Signed out' }).waitFor();
    await browser.context.clearCookies();
  });

  it('an auditor reaches the audit chain from the navigation: the last anchor, and a chain walk on demand', async () => {
    await signIn(AUDITOR);
    // With the keyboard: the Compliance link of the navigation.
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Compliance' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(`${api}/console/compliance`);
    await openUntil(
      '/console/compliance',
      async () => (await page.locator('dl.anchor-facts').count()) === 1,
      'a signed anchor is shown',
    );
    const anchor = await page.locator('dl.anchor-facts').innerText();
    assert.match(anchor, /#\d+ of gateway-gw-[ab]\.anchors/);
    assert.match(anchor, /\d+ events in \d+ streams, up to position \d+\/\d+/);
    assert.match(await mainText(), /has not been verified from this console/);
    assert.match(await mainText(), /portcullis audit verify --anchors/);
    await page.getByRole('button', { name: 'Verify the hash chains now' }).click();
    await page.waitForURL(`${api}/console/compliance`);
    const result = await page.locator('.verify-result').innerText();
    assert.match(result, /^OK: no break found — \d+ events in \d+ streams checked/);
    assert.match(result, new RegExp(`by ${AUDITOR}`));
    await shoot('02-audit-chain');
  });

  it('identities: the agent, its commands, denials and masked values', async () => {
    const row = page.locator('table.identities tbody tr', { hasText: AGENT });
    // Sessions, refused sessions, commands, denials, reviews, masked values: once all projected.
    const expected = [runs, 0, runs, budgetDenials + 1, 1, 2].map(String);
    await openUntil(
      `/console/compliance/identities?identity=${AGENT}`,
      async () =>
        (await row.count()) === 1 &&
        JSON.stringify((await row.locator('td').allInnerTexts()).slice(1, 7)) === JSON.stringify(expected),
      'the agent’s identity row',
    );
    const cells = await row.locator('td').allInnerTexts();
    assert.deepEqual(cells.slice(1, 7), expected);
    assert.match(cells[7]!, /prod-db/);
    await shoot('03-identities');
    await row.getByRole('link', { name: /Activity/ }).click();
    await page.waitForURL((url) => url.pathname === '/console/compliance/activity');
    assert.equal(new URL(page.url()).searchParams.get('identity'), AGENT);
  });

  it('activity: every statement of the agent with outcome, masks as columns and counts', async () => {
    const select = page
      .locator('table.commands tbody tr', { hasText: SELECT })
      .filter({ hasText: 'completed' });
    await openUntil(
      `/console/compliance/activity?identity=${AGENT}`,
      async () => (await select.count()) === 1,
      'the SELECT completed in the activity',
    );
    const text = await select.innerText();
    assert.match(text, /allow/);
    assert.match(text, /public\.users\.email: partial × 2/);
    const drop = page.locator('table.commands tbody tr', { hasText: DROP }).last();
    assert.match(await drop.innerText(), /deny[\s\S]*drop is not allowed on target prod-db[\s\S]*blocked/);
    assertNoSecret(await mainText(), 'the activity page');
    await shoot('04-activity');
  });

  it('denials: the DROP with the policy’s reason, and only denials', async () => {
    await page.goto(`${api}/console/compliance/denials?identity=${AGENT}`);
    const rows = page.locator('table.commands tbody tr');
    const texts = await rows.allInnerTexts();
    assert.equal(texts.length, budgetDenials + 1, texts.join('\n'));
    assert.ok(texts.every((t) => /deny/.test(t)));
    assert.equal(
      await rows
        .filter({ hasText: DROP })
        .filter({ hasText: 'drop is not allowed on target prod-db' })
        .count(),
      1,
    );
    assert.equal(
      await rows.filter({ hasText: SELECT }).count(),
      budgetRefused.get(SELECT) ?? 0,
      'the SELECT is a denial only where the time budget refused it',
    );
    await shoot('05-denials');
  });

  it('sensitive access: the column, its method and count, never a value; the CSV is the REST API’s', async () => {
    await page.goto(`${api}/console/compliance/sensitive-access?identity=${AGENT}`);
    const row = page.locator('table.sensitive-access tbody tr', { hasText: 'public.users.email' });
    assert.equal(await row.count(), 1);
    const cells = await row.locator('td').allInnerTexts();
    assert.deepEqual(
      [cells[1], cells[2], cells[3], cells[4], cells[7]],
      [AGENT, 'prod-db', 'public.users.email', 'partial', '2'],
    );
    assertNoSecret(await mainText(), 'the sensitive access page');
    await shoot('06-sensitive-access');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download CSV of sensitive access' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'sensitive-access.csv');
    const csv = await readFile((await download.path())!, 'utf8');
    const [header, ...lines] = csv.trim().split('\n');
    assert.equal(
      header!.replaceAll('"', ''),
      'position,accessed_at,session_id,sequence,target,issuer,subject,app_id,tenant_id,column,method,rule,detector,count',
    );
    assert.equal(lines.length, 1, csv);
    assert.match(lines[0]!, new RegExp(`"prod-db".*"${AGENT}".*"public\\.users\\.email","partial".*,"2"$`));
    assertNoSecret(csv, 'the CSV');
    const rest = await fetch(`${api}/api/sensitive-access?identity=${AGENT}&format=csv`, {
      headers: { authorization: `Bearer ${await oidc.issueToken(AUDIT_CLIENT)}` },
    });
    assert.equal(rest.status, 200);
    assert.equal(await rest.text(), csv, 'the console’s CSV is the REST endpoint’s');
  });

  it('approval service levels and a bad filter', async () => {
    const row = page.locator('table.service-levels tbody tr', { hasText: 'dba-oncall' });
    await openUntil(
      '/console/compliance/approval-service-levels?target=prod-db',
      async () => (await row.count()) === 1 && (await row.locator('td').nth(1).innerText()) === '1',
      'the granted approval in the service levels',
    );
    const cells = await row.locator('td').allInnerTexts();
    // Target, requested, granted, denied, expired, cancelled, pending; then the times.
    assert.deepEqual(cells.slice(0, 7), ['prod-db', '1', '1', '0', '0', '0', '0']);
    assert.match(cells[7]!, /^\d+ ms$/);
    await shoot('07-approval-service-levels');
    const bad = await page.goto(`${api}/console/compliance/activity?from=yesterday`);
    assert.equal(bad?.status(), 400);
    assert.match(await mainText(), /Not understood[\s\S]*from must be an ISO 8601 date/);
  });

  it('the pages work in the dark theme too', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`${api}/console/compliance/activity?identity=${AGENT}`);
    const background = await page.evaluate(() => {
      const browser = globalThis as unknown as {
        document: { body: unknown };
        getComputedStyle(element: unknown): { backgroundColor: string };
      };
      return browser.getComputedStyle(browser.document.body).backgroundColor;
    });
    assert.equal(background, 'rgb(20, 22, 27)');
    await shoot('08-activity-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });
});
