/**
 * Operator data over the shipped bundle: real files, the real wasm. A grant
 * in a YAML file admits an identity the bundle does not know, without `opa`;
 * every problem names its file, line and column.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '@portcullis/test-support';
import { PolicyEngine } from '../engine/policy-engine.js';
import type { PostgresCommand, SessionInput } from '../contract/policy-input.js';
import { SHIPPED_BUNDLE } from '../testing/test-bundles.js';
import { mergeData, PolicyDataError, readPolicyData } from './policy-data.js';

const ISSUER = 'https://issuer.example/';
const session = (appId: string): SessionInput => ({
  identity: { subject: appId, issuer: ISSUER, app_id: appId, kind: 'service_principal', groups: [], roles: [] },
  target: { name: 'orders-db', protocol: 'postgres', labels: { env: 'staging', kind: 'database' } },
  session: { id: 's-1', client_ip: '127.0.0.1' },
  now_ns: Date.now() * 1e6,
});
const GRANT_YAML = [
  '# operators keep this file; no rebuild',
  'issuers:',
  `  "${ISSUER}": { description: test issuer }`,
  'grants:',
  '  orders-loader:',
  `    issuer: "${ISSUER}"`,
  '    app_ids: [orders-loader]',
  '    targets: [orders-db]',
  '',
].join('\n');

describe('policy data apart from the rules', () => {
  it('a grant in a YAML file admits a new application; the revision names the data', async () => {
    await using dir = await tempDir('portcullis-policy-data-');
    const file = join(dir.path, 'data.yaml');
    await writeFile(file, GRANT_YAML);
    const plain = await PolicyEngine.load(SHIPPED_BUNDLE);
    assert.equal(plain.decideSession(session('orders-loader')).allow, false);
    const engine = await PolicyEngine.load(SHIPPED_BUNDLE, { data: file });
    assert.equal(engine.decideSession(session('orders-loader')).allow, true);
    assert.equal(engine.decideSession(session('someone-else')).allow, false);
    assert.match(engine.revision, new RegExp(`^${plain.revision}\\+data\\.[0-9a-f]{16}$`));
    assert.equal(engine.data?.files.length, 1);
    // The shipped data is still there underneath: its production profile, detectors and grants.
    assert.ok(engine.decideCommand({ ...session('orders-loader'), command: selectCommand() }).mask.length > 0);
  });

  it('reload reads the file again: an edit takes effect, a broken edit keeps the last good data', async () => {
    await using dir = await tempDir('portcullis-policy-data-');
    const file = join(dir.path, 'data.yaml');
    await writeFile(file, GRANT_YAML);
    const engine = await PolicyEngine.load(SHIPPED_BUNDLE, { data: file });
    const first = engine.revision;
    await writeFile(file, GRANT_YAML.replace('[orders-loader]', '[orders-loader, billing-agent]'));
    const reloaded = await engine.reload();
    assert.ok(reloaded.ok);
    assert.notEqual(engine.revision, first);
    assert.equal(engine.decideSession(session('billing-agent')).allow, true);

    await writeFile(file, GRANT_YAML.replace('    app_ids: [orders-loader]', '    app_id: [orders-loader]'));
    const broken = await engine.reload();
    assert.equal(broken.ok, false);
    assert.ok(!broken.ok && broken.error instanceof PolicyDataError);
    assert.match(!broken.ok ? broken.error.message : '', /data\.yaml:7:5: \/grants\/orders-loader\/app_id: unknown key/);
    assert.equal(engine.decideSession(session('billing-agent')).allow, true, 'the last good data keeps deciding');
  });

  it('every problem with its file, line and column: syntax, duplicate keys, wrong types, not a mapping', async () => {
    await using dir = await tempDir('portcullis-policy-data-');
    const cases: [string, string, RegExp][] = [
      ['syntax.yaml', 'grants:\n  a: [unclosed\n', /syntax\.yaml:\d+:\d+: /],
      ['dupes.json', '{"grants": {}, "grants": {}}', /dupes\.json:1:\d+: Map keys must be unique/],
      [
        'types.yaml',
        `grants:\n  g:\n    issuer: "${ISSUER}"\n    app_ids: orders-loader\n`,
        /types\.yaml:4:14: \/grants\/g\/app_ids: must be array/,
      ],
      ['list.yaml', '- a\n- b\n', /list\.yaml:1:1: policy data is a mapping/],
      [
        'masks.yaml',
        'masking:\n  columns:\n    users.email: partial\n    public.users.ssn: scramble\n',
        /\/masking\/columns\/public\.users\.ssn: must be equal to one of/,
      ],
      ['missing-issuer.yaml', 'grants:\n  g:\n    app_ids: [x]\n', /missing-issuer\.yaml:3:5: \/grants\/g: must have required properties issuer/],
    ];
    for (const [name, text, expected] of cases) {
      const file = join(dir.path, name);
      await writeFile(file, text);
      await assert.rejects(PolicyEngine.load(SHIPPED_BUNDLE, { data: file }), (error: Error) => {
        assert.ok(error instanceof PolicyDataError, `${name}: ${error.message}`);
        assert.match(error.message, expected, name);
        return true;
      });
    }
  });

  it('a directory merges its files in name order; null removes a shipped entry', async () => {
    await using dir = await tempDir('portcullis-policy-data-');
    const data = join(dir.path, 'data.d');
    await mkdir(data);
    await writeFile(join(data, '10-grants.yaml'), GRANT_YAML);
    await writeFile(join(data, '20-more.json'), JSON.stringify({ grants: { 'orders-loader': { targets: ['other-db'] } } }));
    await writeFile(join(data, 'README.txt'), 'not data');
    const read = await readPolicyData(data);
    assert.deepEqual(
      read.files.map((f) => f.slice(data.length + 1)),
      ['10-grants.yaml', '20-more.json'],
    );
    assert.deepEqual((read.overlay.grants as Record<string, { targets: string[] }>)['orders-loader']!.targets, [
      'other-db',
    ]);
    const merged = mergeData({ grants: { shipped: { issuer: 'x' }, kept: { issuer: 'y' } } }, { grants: { shipped: null } });
    assert.deepEqual(merged, { grants: { kept: { issuer: 'y' } } });
  });
});

function selectCommand(): PostgresCommand {
  return {
    text: 'SELECT 1',
    protocol: 'postgres',
    statements: [
      {
        kind: 'select',
        text: 'SELECT 1',
        objects: [],
        has_where: false,
        where_tautology: false,
        writes: false,
        nested_kinds: [],
        functions: [],
        columns_read: [],
        explain_analyze: false,
        copy: null,
        dynamic_sql: false,
      },
    ],
    columns_read: [],
  };
}
