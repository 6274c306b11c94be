/**
 * `portcullis serve` guarding a real OpenSSH server: a config file with an
 * `ssh` target, a real OIDC provider issuing the token, real `ssh` as the
 * agent (exec and an interactive shell), the recording exported with
 * `portcullis replay --asciicast`, and a bad key path refused at start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  freePort,
  grantingPolicyBundle,
  startOidcProvider,
  startSshd,
  tempDir,
  startServe,
  PORTCULLIS_BIN,
  type ServeProcess,
  OPENSSH_TOKEN_OPTIONS,
} from '@portcullis/test-support';

async function sshConfig(dir: string, proxyPort: number, extra: { privateKeyFile?: string } = {}) {
  const keyFile = join(dir, 'upstream_key');
  if (!existsSync(keyFile))
    await promisify(execFile)('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      'portcullis',
      '-f',
      keyFile,
    ]);
  return { keyFile, privateKeyFile: extra.privateKeyFile ?? keyFile, proxyPort };
}

test('ssh through `portcullis serve`: exec allowed and denied (checked on the host), a recorded shell replayed as asciicast', async () => {
  const dir = await tempDir();
  // An admin finds the session id in the sessions list (as before terminating one).
  const oidc = await startOidcProvider({
    clients: [{ clientId: 'ci-deployer' }, { clientId: 'operator', groups: ['platform-admins'] }],
  });
  const { keyFile } = await sshConfig(dir.path, 0);
  const sshd = await startSshd({ authorizedKeys: [(await readFile(`${keyFile}.pub`, 'utf8')).trim()] });
  const marker = `/dev/shm/portcullis-e2e-${process.pid}`;
  let serve: ServeProcess | undefined;
  try {
    const bundle = await grantingPolicyBundle(dir.path, {
      issuer: oidc.issuer,
      appIds: ['ci-deployer'],
      targetLabels: [{ kind: ['host'] }],
    });
    const [apiPort, proxyPort] = [await freePort(), await freePort()];
    const config = join(dir.path, 'portcullis.yaml');
    await writeFile(
      config,
      [
        'instance: gw-e2e-ssh',
        `api: { listen: "127.0.0.1:${apiPort}", adminGroups: [platform-admins] }`,
        `store: { kind: pglite, dataDir: ${join(dir.path, 'data')} }`,
        `policy: { bundle: ${bundle} }`,
        'issuers:',
        `  - { issuer: "${oidc.issuer}", audiences: ["${oidc.audience}"], jwksUrl: "${oidc.jwksUrl}" }`,
        'targets:',
        '  - name: web-1',
        '    protocol: ssh',
        `    listen: "127.0.0.1:${proxyPort}"`,
        '    labels: { env: dev, kind: host }',
        '    upstream:',
        `      host: 127.0.0.1`,
        `      port: ${sshd.port}`,
        `      user: ${sshd.user}`,
        '      privateKeyFile: upstream_key',
        `      hostKey: "${sshd.hostPublicKey}"`,
      ].join('\n'),
    );
    serve = await startServe(config);
    assert.match(serve.output(), new RegExp(`ssh target web-1 on 127\\.0\\.0\\.1:${proxyPort}`));
    assert.ok(existsSync(join(dir.path, 'data', 'ssh_host_ed25519_key')), 'no host key under the data dir');

    const token = await oidc.issueToken('ci-deployer');
    const ssh = (args: string[], input?: string) =>
      spawnSync('sshpass', ['-e', 'ssh', ...OPENSSH_TOKEN_OPTIONS, '-p', String(proxyPort), ...args], {
        env: { ...process.env, SSHPASS: token },
        encoding: 'utf8',
        input,
        timeout: 30_000,
      });

    const allowed = ssh(['web-1@127.0.0.1', 'echo through-serve']);
    assert.equal(allowed.status, 0, `${allowed.stderr}${String(allowed.error ?? '')}\n${serve.output()}`);
    assert.equal(allowed.stdout, 'through-serve\n');

    const denied = ssh(['web-1@127.0.0.1', `dd if=/dev/zero of=${marker} bs=1 count=1`]);
    assert.equal(denied.status, 126);
    assert.match(denied.stderr, /portcullis: denied: dd onto device/);
    assert.equal(existsSync(marker), false, 'the denied command ran on the host');

    const shell = ssh(['-tt', 'web-1@127.0.0.1'], 'echo in-a-recorded-shell\nexit\n');
    assert.equal(shell.status, 0, `shell: ${shell.stderr}|${shell.stdout}`);
    assert.match(shell.stdout, /in-a-recorded-shell/);

    const sessions = (await (
      await fetch(`http://127.0.0.1:${apiPort}/api/sessions?target=web-1`, {
        headers: { authorization: `Bearer ${await oidc.issueToken('operator')}` },
      })
    ).json()) as {
      items: { sessionId: string; commands: number }[];
    };
    // Newest first: the shell session.
    const shellSession = sessions.items[0]?.sessionId;
    assert.ok(shellSession);

    assert.equal(await serve.stop(), 0, `serve: ${serve.output()}`);
    serve = undefined;

    const replay = spawnSync(
      process.execPath,
      [PORTCULLIS_BIN, 'replay', shellSession, '--asciicast', '--config', config],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(replay.status, 0, replay.stderr);
    const lines = replay.stdout.trimEnd().split('\n');
    const header = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    assert.equal(header.version, 2);
    assert.ok(
      Number.isInteger(header.width) && Number.isInteger(header.height) && Number.isInteger(header.timestamp),
    );
    const events = lines.slice(1).map((l) => JSON.parse(l) as [number, string, string]);
    assert.ok(
      events.every(
        (e, i) => e.length === 3 && typeof e[0] === 'number' && (i === 0 || e[0] >= events[i - 1]![0]),
      ),
    );
    assert.match(
      events
        .filter((e) => e[1] === 'o')
        .map((e) => e[2])
        .join(''),
      /in-a-recorded-shell/,
    );

    const missing = spawnSync(
      process.execPath,
      [PORTCULLIS_BIN, 'replay', 'no-such-session', '--config', config],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /no session no-such-session in the store/);
  } finally {
    await serve?.stop('SIGKILL');
    await sshd.stop();
    await oidc.stop();
    await dir.remove();
  }
});

test('an ssh target whose private key file cannot be read stops serve at start, naming the path', async () => {
  const dir = await tempDir();
  try {
    const port = await freePort();
    const config = join(dir.path, 'portcullis.yaml');
    await writeFile(
      config,
      [
        `store: { kind: pglite, dataDir: ${join(dir.path, 'data')} }`,
        `api: { listen: "127.0.0.1:${await freePort()}" }`,
        'issuers:',
        '  - { issuer: "https://idp.example", audiences: ["api://portcullis"], jwksUrl: "https://idp.example/keys" }',
        'targets:',
        '  - name: web-1',
        '    protocol: ssh',
        `    listen: "127.0.0.1:${port}"`,
        '    upstream: { host: 127.0.0.1, user: deploy, privateKeyFile: keys/missing, hostKey: "ssh-ed25519 AAAA" }',
      ].join('\n'),
    );
    const serve = spawnSync(process.execPath, [PORTCULLIS_BIN, 'serve', '--config', config], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(serve.status, 2, serve.stdout + serve.stderr);
    assert.match(
      serve.stdout + serve.stderr,
      new RegExp(`upstream.privateKeyFile: cannot read ${join(dir.path, 'keys', 'missing')}`),
    );
  } finally {
    await dir.remove();
  }
});
