import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '@portcullis/events';
import { completeConfig } from './load-config.js';

const issuers = [
  { issuer: 'https://idp.example', audiences: ['api://portcullis'], jwksUrl: 'https://idp.example/keys' },
];
const pgTarget = {
  name: 'prod-db',
  protocol: 'postgres',
  listen: '127.0.0.1:6432',
  upstream: { host: '127.0.0.1', database: 'app', user: 'portcullis' },
};
const sshTarget = {
  name: 'web-1',
  protocol: 'ssh',
  listen: '127.0.0.1:2222',
  upstream: { host: 'web-1.internal', user: 'deploy', privateKeyFile: 'k', hostKey: 'ssh-ed25519 AAAA' },
};

const complete = (targets: unknown[]) => completeConfig({ issuers, targets }, 'x', '/srv/portcullis');

function problems(targets: unknown[]): string[] {
  try {
    complete(targets);
  } catch (error) {
    assert.ok(error instanceof ValidationError, String(error));
    return error.problems.map((p) => `${p.path} ${p.message}`);
  }
  assert.fail('expected the config to be refused');
}

test('defaults: 15 s to authenticate, 256 / 32 unauthenticated connections, idle sessions closed after 900 s', () => {
  const config = complete([pgTarget, sshTarget]);
  const [pg] = config.targets;
  const [ssh] = config.sshTargets;
  assert.equal(pg!.startupTimeoutMs, 15_000);
  assert.deepEqual(pg!.unauthenticatedConnections, { total: 256, perAddress: 32 });
  assert.equal(pg!.idleTimeoutSeconds, 900);
  assert.equal(ssh!.startupTimeoutMs, 15_000);
  assert.deepEqual(ssh!.unauthenticatedConnections, { total: 256, perAddress: 32 });
});

test('each listener sets its own; a cap given alone keeps the other default; idle 0 means never', () => {
  const config = complete([
    {
      ...pgTarget,
      startupTimeoutMs: 3_000,
      unauthenticatedConnections: { perAddress: 4 },
      idleTimeoutSeconds: 0,
    },
    { ...sshTarget, startupTimeoutMs: 5_000, unauthenticatedConnections: { total: 64, perAddress: 8 } },
  ]);
  assert.equal(config.targets[0]!.startupTimeoutMs, 3_000);
  assert.deepEqual(config.targets[0]!.unauthenticatedConnections, { total: 256, perAddress: 4 });
  assert.equal(config.targets[0]!.idleTimeoutSeconds, 0);
  assert.equal(config.sshTargets[0]!.startupTimeoutMs, 5_000);
  assert.deepEqual(config.sshTargets[0]!.unauthenticatedConnections, { total: 64, perAddress: 8 });
});

test('out-of-range or misspelt limits are refused with their path', () => {
  assert.ok(
    problems([{ ...pgTarget, startupTimeoutMs: 0 }]).some((p) => p.startsWith('/targets/0/startupTimeoutMs')),
  );
  assert.ok(
    problems([{ ...sshTarget, unauthenticatedConnections: { total: 0 } }]).some((p) =>
      p.startsWith('/targets/0/unauthenticatedConnections/total'),
    ),
  );
  assert.ok(
    problems([{ ...pgTarget, unauthenticatedConnections: { perAdress: 3 } }]).includes(
      '/targets/0/unauthenticatedConnections/perAdress must not have additional properties',
    ),
  );
  assert.ok(
    problems([{ ...pgTarget, idleTimeoutSeconds: -1 }]).some((p) =>
      p.startsWith('/targets/0/idleTimeoutSeconds'),
    ),
  );
  // The SSH proxy has no idle timeout of its own: the key is not silently accepted.
  assert.ok(
    problems([{ ...sshTarget, idleTimeoutSeconds: 60 }]).includes(
      '/targets/0/idleTimeoutSeconds must not have additional properties',
    ),
  );
});
