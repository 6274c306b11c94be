import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '@portcullis/events';
import { completeConfig, defaultConfig } from './load-config.js';

function problems(raw: unknown): string[] {
  try {
    completeConfig(raw, 'test.yaml', '/etc/portcullis');
  } catch (error) {
    assert.ok(error instanceof ValidationError, String(error));
    return error.problems.map((p) => `${p.path} ${p.message}`);
  }
  assert.fail('expected the config to be refused');
}

test('no config means the embedded defaults', () => {
  const config = defaultConfig();
  assert.equal(config.store.kind, 'pglite');
  assert.equal(config.store.kind === 'pglite' && config.store.dataDir, `${process.cwd()}/data`);
  assert.deepEqual(config.api, { host: '127.0.0.1', port: 8080, auditorGroups: [], adminGroups: [] });
  assert.equal(config.audit.mode, 'strict');
  assert.equal(config.audit.appendTimeoutMs, 2_000);
  assert.equal(config.audit.backlogEvents, 10_000);
});

test('an unknown key is named with its path', () => {
  assert.deepEqual(problems({ api: { listen: '127.0.0.1:1', lisen: 'x' } }), [
    '/api/lisen must not have additional properties',
  ]);
  assert.ok(problems({ stroe: {} }).includes('/stroe must not have additional properties'));
});

test('api.adminGroups: the groups that may terminate sessions and revoke identities, none by default', () => {
  assert.deepEqual(completeConfig({}, 'x', '/').api.adminGroups, []);
  const config = completeConfig({ api: { adminGroups: ['platform-admins'] } }, 'x', '/');
  assert.deepEqual(config.api.adminGroups, ['platform-admins']);
  assert.ok(problems({ api: { adminGroups: [''] } }).some((p) => p.startsWith('/api/adminGroups/0')));
  assert.ok(problems({ api: { adminGroups: 'ops' } }).some((p) => p.startsWith('/api/adminGroups')));
});

test('api.auditorGroups: the groups that may read the event stream, none by default', () => {
  const config = completeConfig({ api: { auditorGroups: ['soc-readers'] } }, 'x', '/');
  assert.deepEqual(config.api.auditorGroups, ['soc-readers']);
  assert.ok(problems({ api: { auditorGroups: [''] } }).some((p) => p.startsWith('/api/auditorGroups/0')));
  assert.ok(problems({ api: { auditorGroups: 'soc' } }).some((p) => p.startsWith('/api/auditorGroups')));
});

test('a wrong type is named with its path', () => {
  assert.ok(problems({ audit: { mode: 'sometimes' } }).some((p) => p.startsWith('/audit/mode')));
  assert.ok(problems({ audit: { appendTimeoutMs: 10 } }).some((p) => p.startsWith('/audit/appendTimeoutMs')));
  assert.ok(problems({ api: { listen: 8080 } }).some((p) => p.startsWith('/api/listen must be string')));
});

test('relative paths resolve against the config file, overrides win', () => {
  const config = completeConfig({ store: { kind: 'pglite', dataDir: 'state' } }, 'x', '/etc/portcullis', {
    apiListen: '0.0.0.0:9',
  });
  assert.equal(config.store.kind === 'pglite' && config.store.dataDir, '/etc/portcullis/state');
  assert.deepEqual(config.api, { host: '0.0.0.0', port: 9, auditorGroups: [], adminGroups: [] });
  assert.throws(
    () => completeConfig({ store: { kind: 'postgres', url: 'postgres://h/db' } }, 'x', '/', { dataDir: 'd' }),
    /--data-dir applies to the pglite store/,
  );
});

test('issuers are checked by the identity library: unknown keys by path, unsafe algorithms refused', () => {
  const issuer = {
    issuer: 'https://login.example/t/v2.0',
    audiences: ['api://portcullis'],
    jwksUrl: 'https://login.example/keys',
  };
  const config = completeConfig({ issuers: [issuer] }, 'x', '/');
  assert.equal(config.issuers[0]!.issuer, issuer.issuer);
  assert.ok(
    problems({ issuers: [{ ...issuer, audiance: 'x' }] }).includes(
      '/issuers/0/audiance must not have additional properties',
    ),
  );
  assert.throws(
    () => completeConfig({ issuers: [{ ...issuer, algorithms: ['HS256'] }] }, 'x', '/'),
    ValidationError,
  );
});

test('targets are checked: shape, unknown keys, and clashing names or addresses', () => {
  const target = {
    name: 'prod-db',
    protocol: 'postgres',
    listen: '127.0.0.1:6432',
    labels: { env: 'production' },
    upstream: { host: '127.0.0.1', port: 5432, database: 'app', user: 'portcullis', password: 'x' },
  };
  const issuers = [
    { issuer: 'https://idp.example', audiences: ['api://portcullis'], jwksUrl: 'https://idp.example/keys' },
  ];
  assert.equal(completeConfig({ issuers, targets: [target] }, 'x', '/').targets[0]!.name, 'prod-db');
  assert.ok(
    problems({ issuers, targets: [{ ...target, upstream: { ...target.upstream, pasword: 'x' } }] }).includes(
      '/targets/0/upstream/pasword must not have additional properties',
    ),
  );
  assert.deepEqual(problems({ issuers, targets: [target, { ...target, listen: '127.0.0.1:6433' }] }), [
    '/targets/1 repeats the name or listen address of /targets/0',
  ]);
  assert.deepEqual(problems({ targets: [target] }), [
    '/issuers targets need at least one issuer: clients authenticate with its tokens',
  ]);
});

test('a postgres target: TLS both ways (files relative to the config), timeouts, recorded rows', () => {
  const issuers = [
    { issuer: 'https://idp.example', audiences: ['api://portcullis'], jwksUrl: 'https://idp.example/keys' },
  ];
  const target = {
    name: 'prod-db',
    protocol: 'postgres',
    listen: '0.0.0.0:6432',
    tls: { certFile: 'tls/proxy.crt', keyFile: '/etc/portcullis/proxy.key' },
    idleTimeoutSeconds: 600,
    statementTimeoutMs: 30_000,
    recordResultRows: 5,
    upstream: {
      host: 'db.internal',
      database: 'app',
      user: 'portcullis',
      tls: { mode: 'verify-full', caFile: 'tls/db-ca.crt' },
    },
  };
  const [complete] = completeConfig({ issuers, targets: [target] }, 'x', '/srv/portcullis').targets;
  assert.deepEqual(complete!.tls, {
    certFile: '/srv/portcullis/tls/proxy.crt',
    keyFile: '/etc/portcullis/proxy.key',
  });
  assert.deepEqual(complete!.upstream.tls, { mode: 'verify-full', caFile: '/srv/portcullis/tls/db-ca.crt' });
  assert.equal(complete!.statementTimeoutMs, 30_000);
  assert.ok(
    problems({
      issuers,
      targets: [{ ...target, upstream: { ...target.upstream, tls: { mode: 'prefer' } } }],
    }).some((p) => p.startsWith('/targets/0/upstream/tls/mode')),
  );
  assert.ok(
    problems({ issuers, targets: [{ ...target, tls: { certFile: 'a' } }] }).some((p) =>
      p.includes('keyFile'),
    ),
  );
});

test('a postgres target: the per-session credential mode is validated, off by default', () => {
  const issuers = [
    { issuer: 'https://idp.example', audiences: ['api://portcullis'], jwksUrl: 'https://idp.example/keys' },
  ];
  const target = {
    name: 'prod-db',
    protocol: 'postgres',
    listen: '127.0.0.1:6432',
    upstream: { host: 'db.internal', database: 'app', user: 'portcullis_admin' },
  };
  assert.equal(completeConfig({ issuers, targets: [target] }, 'x', '/').targets[0]!.credential, undefined);
  const credential = { mode: 'ephemeral-role', maxSessionSeconds: 900 };
  assert.deepEqual(
    completeConfig({ issuers, targets: [{ ...target, credential }] }, 'x', '/').targets[0]!.credential,
    credential,
  );
  assert.ok(
    problems({ issuers, targets: [{ ...target, credential: { mode: 'ephemeral' } }] }).some((p) =>
      p.startsWith('/targets/0/credential/mode'),
    ),
  );
  assert.ok(
    problems({
      issuers,
      targets: [{ ...target, credential: { mode: 'set-role', maxSessionSeconds: 5 } }],
    }).some((p) => p.startsWith('/targets/0/credential/maxSessionSeconds')),
  );
});

test('policy data and the shadow policy resolve against the config file; the shadow is off by default', () => {
  const config = completeConfig(
    { policy: { data: 'policy-data.yaml', shadow: { data: 'candidate.d' } } },
    'x',
    '/etc/portcullis',
  );
  assert.equal(config.policy.data, '/etc/portcullis/policy-data.yaml');
  assert.deepEqual(config.policy.shadow, { bundle: undefined, data: '/etc/portcullis/candidate.d' });
  assert.equal(completeConfig({}, 'x', '/').policy.shadow, undefined);
  assert.ok(problems({ policy: { shadow: { rules: 'x' } } }).some((p) => p.startsWith('/policy/shadow')));
});

test('console: sign-in issuers must be trusted issuers; defaults for scope, redirect and roles', () => {
  const issuer = { issuer: 'https://idp.example.org', audiences: ['api://portcullis'] };
  const config = completeConfig(
    {
      api: { listen: '0.0.0.0:8443', auditorGroups: ['soc'] },
      approvals: { publicUrl: 'https://gw.example.org/' },
      issuers: [issuer],
      console: {
        issuers: [{ issuer: issuer.issuer, clientId: 'console', clientSecretFile: 'secrets/console' }],
        adminGroups: ['ops'],
      },
    },
    'x',
    '/etc/portcullis',
  );
  assert.deepEqual(config.console, {
    issuers: [
      {
        issuer: issuer.issuer,
        name: issuer.issuer,
        clientId: 'console',
        clientSecret: undefined,
        clientSecretFile: '/etc/portcullis/secrets/console',
        scope: 'openid',
        resource: undefined,
        redirectUri: 'https://gw.example.org/console/callback',
      },
    ],
    adminGroups: ['ops'],
    auditorGroups: ['soc'],
    sessionTtlSeconds: 28_800,
  });
  assert.equal(defaultConfig().console, undefined);
  assert.deepEqual(
    problems({
      issuers: [issuer],
      console: {
        issuers: [
          { issuer: 'https://other.example.org', clientId: 'c' },
          { issuer: 'http://idp.example.org', clientId: 'c', clientSecret: 's', clientSecretFile: 'f' },
        ],
      },
    }),
    [
      '/console/issuers/0/issuer must also be listed in issuers (issuers[].issuer): the console verifies sign-in tokens as the API does',
      '/console/issuers/1/issuer must also be listed in issuers (issuers[].issuer): the console verifies sign-in tokens as the API does',
      '/console/issuers/1/issuer must use https (plain http is allowed on loopback only)',
      '/console/issuers/1 has both clientSecret and clientSecretFile',
    ],
  );
  assert.ok(problems({ console: { issuers: [] } }).some((p) => p.startsWith('/console/issuers')));
});

test('mcp: on wherever an issuer is, limits defaulted, validated with their paths', () => {
  const issuers = [{ issuer: 'https://login.example/t/v2.0', audiences: ['api://portcullis'] }];
  assert.equal(defaultConfig().mcp.enabled, false, 'no issuer: no MCP endpoint');
  const on = completeConfig({ issuers }, 'x', '/');
  assert.deepEqual(on.mcp, {
    enabled: true,
    resource: undefined,
    maxSessionsPerIdentity: 4,
    idleTimeoutSeconds: 900,
    maxRows: 1000,
    maxResultBytes: 1_048_576,
    maxOutputBytes: 65_536,
    maxApprovalWaitSeconds: 60,
    execTimeoutSeconds: 300,
  });
  const tuned = completeConfig(
    { issuers, mcp: { maxRows: 10, idleTimeoutSeconds: 60, resource: 'https://gw.example/mcp' } },
    'x',
    '/',
  );
  assert.equal(tuned.mcp.maxRows, 10);
  assert.equal(tuned.mcp.resource, 'https://gw.example/mcp');
  assert.equal(completeConfig({ issuers, mcp: { enabled: false } }, 'x', '/').mcp.enabled, false);
  assert.deepEqual(problems({ mcp: { enabled: true } }), [
    '/mcp/enabled the MCP endpoint needs at least one issuer: agents authenticate with its tokens',
  ]);
  assert.ok(problems({ issuers, mcp: { maxRows: 0 } }).some((p) => p.startsWith('/mcp/maxRows')));
  assert.ok(
    problems({ issuers, mcp: { idleTimeoutSeconds: 0 } }).some((p) =>
      p.startsWith('/mcp/idleTimeoutSeconds'),
    ),
  );
  assert.equal(
    completeConfig({ issuers, mcp: { execTimeoutSeconds: 5 } }, 'x', '/').mcp.execTimeoutSeconds,
    5,
  );
  assert.ok(
    problems({ issuers, mcp: { execTimeoutSeconds: 0 } }).includes('/mcp/execTimeoutSeconds must be >= 1'),
  );
  assert.ok(
    problems({ issuers, mcp: { execTimeoutSeconds: 86_400 } }).includes(
      '/mcp/execTimeoutSeconds must be <= 3600',
    ),
  );
  assert.ok(
    problems({ issuers, mcp: { resource: 'gw.example' } }).some((p) => p.startsWith('/mcp/resource')),
  );
  assert.ok(
    problems({ issuers, mcp: { maxSesions: 2 } }).includes(
      '/mcp/maxSesions must not have additional properties',
    ),
  );
});
