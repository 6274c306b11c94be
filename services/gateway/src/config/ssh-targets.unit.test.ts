import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '@portcullis/events';
import { completeConfig } from './load-config.js';

const issuers = [
  { issuer: 'https://idp.example', audiences: ['api://portcullis'], jwksUrl: 'https://idp.example/keys' },
];
const sshTarget = {
  name: 'web-1',
  protocol: 'ssh',
  listen: '127.0.0.1:2222',
  labels: { kind: 'host' },
  upstream: {
    host: 'web-1.internal',
    user: 'deploy',
    privateKeyFile: 'keys/web-1',
    hostKey: 'ssh-ed25519 AAAA',
  },
};

function problems(raw: unknown): string[] {
  try {
    completeConfig(raw, 'test.yaml', '/etc/portcullis');
  } catch (error) {
    assert.ok(error instanceof ValidationError, String(error));
    return error.problems.map((p) => `${p.path} ${p.message}`);
  }
  assert.fail('expected the config to be refused');
}

test('an ssh target: key paths relative to the config file, host key under the data dir by default', () => {
  const config = completeConfig(
    { issuers, store: { kind: 'pglite', dataDir: 'state' }, targets: [sshTarget] },
    'x',
    '/srv/portcullis',
  );
  assert.deepEqual(config.targets, []);
  assert.equal(config.sshTargets.length, 1);
  assert.equal(config.sshTargets[0]?.upstream.privateKeyFile, '/srv/portcullis/keys/web-1');
  assert.deepEqual(config.ssh, {
    hostKeyFile: '/srv/portcullis/state/ssh_host_ed25519_key',
    userCaKeyFile: '/srv/portcullis/state/ssh_user_ca_ed25519_key',
    recordInput: false,
  });
  const explicit = completeConfig(
    {
      issuers,
      ssh: { hostKeyFile: '/var/lib/p/key', userCaKeyFile: 'ca/user_ca', recordInput: true },
      targets: [sshTarget],
    },
    'x',
    '/srv',
  );
  assert.deepEqual(explicit.ssh, {
    hostKeyFile: '/var/lib/p/key',
    userCaKeyFile: '/srv/ca/user_ca',
    recordInput: true,
  });
});

test('an ssh target needs exactly one of hostKey or knownHostsFile, and refuses unknown keys', () => {
  const { hostKey: _hostKey, ...noHostKey } = sshTarget.upstream;
  assert.deepEqual(problems({ issuers, targets: [{ ...sshTarget, upstream: noHostKey }] }), [
    '/targets/web-1/upstream needs exactly one of hostKey or knownHostsFile (no trust on first use)',
  ]);
  assert.ok(
    problems({
      issuers,
      targets: [{ ...sshTarget, upstream: { ...sshTarget.upstream, knownHostsFile: 'kh' } }],
    }).includes(
      '/targets/web-1/upstream needs exactly one of hostKey or knownHostsFile (no trust on first use)',
    ),
  );
  assert.ok(
    problems({
      issuers,
      targets: [{ ...sshTarget, upstream: { ...sshTarget.upstream, pasword: 'x' } }],
    }).includes('/targets/0/upstream/pasword must not have additional properties'),
  );
  assert.ok(
    problems({ issuers, ssh: { hostkeyfile: 'x' } }).includes(
      '/ssh/hostkeyfile must not have additional properties',
    ),
  );
  const { privateKeyFile: _key, ...noKey } = sshTarget.upstream;
  assert.deepEqual(problems({ issuers, targets: [{ ...sshTarget, upstream: noKey }] }), [
    '/targets/web-1/upstream needs privateKeyFile, or credential: certificate on the target (a certificate per session)',
  ]);
  assert.ok(
    problems({ issuers, targets: [{ ...sshTarget, credential: 'certficate' }] }).some((p) =>
      p.startsWith('/targets/0/credential'),
    ),
  );
});

test('an ssh target with credential: certificate needs no key of the proxy on the host', () => {
  const { privateKeyFile: _key, ...noKey } = sshTarget.upstream;
  const config = completeConfig(
    {
      issuers,
      targets: [{ ...sshTarget, credential: 'certificate', certificateSeconds: 120, upstream: noKey }],
    },
    'x',
    '/srv',
  );
  assert.equal(config.sshTargets[0]?.credential, 'certificate');
  assert.equal(config.sshTargets[0]?.upstream.privateKeyFile, undefined);
  assert.ok(problems({ issuers, targets: [{ ...sshTarget, certificateSeconds: 5 }] }).length > 0);
});

test('ssh and postgres targets may not share a name or a listen address', () => {
  const pg = {
    name: 'web-1',
    protocol: 'postgres',
    listen: '127.0.0.1:6432',
    upstream: { host: 'db', database: 'app', user: 'u' },
  };
  assert.deepEqual(problems({ issuers, targets: [pg, sshTarget] }), [
    '/targets/1 repeats the name or listen address of /targets/0',
  ]);
});
