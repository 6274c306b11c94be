/**
 * `portcullis demo` (what `npm start` runs): with a portcullis.yaml in the
 * working directory, exactly `serve --config portcullis.yaml`; without one,
 * a development-only demo on loopback: a real PostgreSQL seeded with PII
 * (demo/demo-database.ts), the development token issuer
 * (demo/dev-issuer.ts), a `demo` target on 127.0.0.1:6432 and demo policy
 * data, then the line to paste and three things to try.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { completeConfig } from '../config/load-config.js';
import { startDemoDatabase, findPostgresBinDir, DEMO_DATABASE } from '../demo/demo-database.js';
import { DEV_AUDIENCE, openDevIssuer } from '../demo/dev-issuer.js';
import type { CliIo } from './common.js';
import { serve, serveConfig } from './serve.command.js';

export interface DemoOptions {
  dataDir?: string;
  apiListen?: string;
  listen?: string;
}

export const DEMO_AGENT = 'demo-agent';
export const DEMO_APPROVER = 'demo-approver';
export const DEMO_APPROVERS = 'demo-approvers';

export async function demo(options: DemoOptions, io: CliIo): Promise<number> {
  if (existsSync('portcullis.yaml')) return serve({ config: 'portcullis.yaml' }, io);
  const bin = findPostgresBinDir();
  if (!bin) {
    io.stderr.write(
      'portcullis demo: the demo database needs PostgreSQL server binaries (apt-get install postgresql, ' +
        'or set PORTCULLIS_PG_BINDIR); serving the embedded default without the demo target\n',
    );
    return serve(
      {
        ...(options.dataDir ? { dataDir: options.dataDir } : {}),
        ...(options.apiListen ? { apiListen: options.apiListen } : {}),
      },
      io,
    );
  }
  const dataDir = resolve(options.dataDir ?? 'data');
  const apiListen = options.apiListen ?? '127.0.0.1:8080';
  const listen = options.listen ?? '127.0.0.1:6432';
  for (const address of [apiListen, listen]) {
    if (!/^127\.0\.0\.1:\d+$/.test(address)) {
      io.stderr.write(`portcullis demo: development only, it listens on 127.0.0.1 only (not ${address})\n`);
      return 2;
    }
  }
  const issuer = `http://${apiListen}/dev-issuer`;
  const devIssuer = await openDevIssuer(dataDir, issuer);
  const dataFile = join(dataDir, 'demo-policy-data.yaml');
  await writeDemoData(dataFile, issuer);
  const database = await startDemoDatabase(dataDir, bin);
  try {
    const [host, port] = listen.split(':');
    const config = completeConfig(
      {
        instance: 'demo',
        api: { listen: apiListen },
        store: { kind: 'pglite', dataDir },
        policy: { data: dataFile },
        log: { level: 'warn' },
        issuers: [
          {
            issuer,
            audiences: [DEV_AUDIENCE],
            jwksUrl: `${issuer}/jwks`,
            flavor: 'generic',
            identityKind: 'service_principal',
            // The keys are served by this gateway's own API, which listens only after the start-up fetch.
            jwksRefetchMinIntervalSeconds: 1,
          },
        ],
        targets: [
          {
            name: DEMO_DATABASE,
            protocol: 'postgres',
            listen,
            labels: { env: 'production', kind: 'database' },
            upstream: {
              host: '127.0.0.1',
              port: database.port,
              database: DEMO_DATABASE,
              user: database.user,
            },
          },
        ],
      },
      'the demo',
      process.cwd(),
    );
    const dataDirFlag = options.dataDir ? ` --data-dir ${options.dataDir}` : '';
    const apiFlag = apiListen === '127.0.0.1:8080' ? '' : ` --api http://${apiListen}`;
    const token = (args: string) => `npx portcullis token --dev${dataDirFlag}${args}`;
    return await serveConfig(config, io, {
      devIssuer,
      onServing: () =>
        io.stdout.write(
          [
            '',
            'portcullis demo — DEVELOPMENT ONLY (loopback, a development token issuer, trust auth to the demo database)',
            '',
            'Connect as the demo agent (a service principal with a token of the development issuer):',
            '',
            `  PGPASSWORD="$(${token('')})" psql "host=${host} port=${port} dbname=${DEMO_DATABASE} user=agent sslmode=disable"`,
            '',
            'Then try:',
            '  SELECT name, email, ssn, card_number, note FROM customers;   -- masked columns, and PII found in free text',
            '  DROP TABLE orders;                                           -- denied: the table stays',
            '  DELETE FROM sessions_log;                                    -- waits for a human approval; to grant it, in another shell:',
            `      export PORTCULLIS_TOKEN="$(${token(` --app ${DEMO_APPROVER} --groups ${DEMO_APPROVERS}`)})"`,
            `      npx portcullis approvals list${apiFlag}`,
            `      npx portcullis approvals grant${apiFlag} <approval id>`,
            '',
            `Who may do what: ${dataFile} (edit it; it is reloaded live). Audit trail: npx portcullis audit verify${dataDirFlag}`,
            '',
          ].join('\n'),
        ),
    });
  } finally {
    await database.stop();
  }
}

/** The demo's grants, approvers and masks; written once, so an operator's edits stay (rewritten if the issuer moved). */
async function writeDemoData(file: string, issuer: string): Promise<void> {
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing?.includes(`"${issuer}"`)) return;
  await writeFile(
    file,
    [
      '# Policy data of the portcullis demo (development only). Edit it: the gateway reloads it.',
      '# Format: policies-rego/README.md; schema: policies-rego/schemas/data.schema.json',
      'issuers:',
      `  "${issuer}": { description: the development issuer of the demo }`,
      'grants:',
      `  ${DEMO_AGENT}:`,
      '    description: The demo agent may use the demo database.',
      `    issuer: "${issuer}"`,
      `    app_ids: [${DEMO_AGENT}]`,
      `    targets: [${DEMO_DATABASE}]`,
      'targets:',
      `  ${DEMO_DATABASE}:`,
      `    review: { approver_groups: [${DEMO_APPROVERS}], ttl_seconds: 900, min_approvals: 1 }`,
      '    masking:',
      '      columns:',
      '        public.customers.email: partial',
      '        public.customers.ssn: redact',
      '        public.customers.card_number: partial',
      '',
    ].join('\n'),
  );
}
