/**
 * `portcullis serve` with an SSH target `credential: certificate`: the host
 * (a real OpenSSH sshd) has no authorized key, only TrustedUserCAKeys with
 * the gateway's user CA (here one an operator made with ssh-keygen); a real
 * `ssh` through the gateway logs in with a certificate made for its session,
 * sshd's log names the session, and `portcullis config check` proves the
 * host trusts the CA.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
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

const run = promisify(execFile);

test('ssh through `portcullis serve` with a certificate per session (TrustedUserCAKeys, no authorized key)', async () => {
  const dir = await tempDir();
  const caFile = join(dir.path, 'user_ca');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ops-user-ca', '-f', caFile]);
  const oidc = await startOidcProvider({ clients: [{ clientId: 'ci-deployer' }] });
  const sshd = await startSshd({
    authorizedKeys: [],
    trustedUserCaKey: (await readFile(`${caFile}.pub`, 'utf8')).trim(),
    logLevel: 'INFO',
  });
  let serve: ServeProcess | undefined;
  try {
    const bundle = await grantingPolicyBundle(dir.path, {
      issuer: oidc.issuer,
      appIds: ['ci-deployer'],
      targetLabels: [{ kind: ['host'] }],
      sshPrincipal: sshd.user,
    });
    const [apiPort, proxyPort] = [await freePort(), await freePort()];
    const config = join(dir.path, 'portcullis.yaml');
    await writeFile(
      config,
      [
        'instance: gw-e2e-ssh-cert',
        `api: { listen: "127.0.0.1:${apiPort}" }`,
        `store: { kind: pglite, dataDir: ${join(dir.path, 'data')} }`,
        `policy: { bundle: ${bundle} }`,
        'ssh: { userCaKeyFile: user_ca }',
        'issuers:',
        `  - { issuer: "${oidc.issuer}", audiences: ["${oidc.audience}"], jwksUrl: "${oidc.jwksUrl}" }`,
        'targets:',
        '  - name: web-1',
        '    protocol: ssh',
        `    listen: "127.0.0.1:${proxyPort}"`,
        '    labels: { env: dev, kind: host }',
        '    credential: certificate',
        '    certificateSeconds: 120',
        `    upstream: { host: 127.0.0.1, port: ${sshd.port}, user: ${sshd.user}, hostKey: "${sshd.hostPublicKey}" }`,
        '',
      ].join('\n'),
    );
    const check = spawnSync(process.execPath, [PORTCULLIS_BIN, 'config', 'check', '--config', config], {
      encoding: 'utf8',
    });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /with a certificate of the gateway user CA/);

    serve = await startServe(config);
    const caLine = (await readFile(`${caFile}.pub`, 'utf8')).trim().split(' ').slice(0, 2).join(' ');
    assert.ok(serve.output().includes(caLine), 'the CA public key is logged at start');

    const { stdout } = await run(
      'sshpass',
      ['-e', 'ssh', ...OPENSSH_TOKEN_OPTIONS, '-p', String(proxyPort), 'web-1@127.0.0.1', 'id -un'],
      { env: { ...process.env, SSHPASS: await oidc.issueToken('ci-deployer') }, timeout: 30_000 },
    );
    assert.equal(stdout.trim(), sshd.user);
    const accepted =
      /Accepted publickey for \S+ .* ED25519-CERT SHA256:\S+ ID portcullis session=(\S+) subject=ci-deployer \(serial (\d+)\)/.exec(
        sshd.log(),
      );
    assert.ok(accepted, sshd.log());
    assert.equal(await serve.stop(), 0, serve.output());
    serve = undefined;

    const tail = spawnSync(process.execPath, [PORTCULLIS_BIN, 'events', 'tail', '--config', config], {
      encoding: 'utf8',
    });
    const issued = tail.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; data: Record<string, unknown> })
      .find((e) => e.type === 'UpstreamCredentialIssued');
    assert.deepEqual(
      { sessionId: issued?.data.sessionId, serial: issued?.data.serial, principal: issued?.data.principal },
      { sessionId: accepted[1], serial: accepted[2], principal: sshd.user },
    );
    assert.doesNotMatch(tail.stdout, /PRIVATE KEY/);
  } finally {
    await serve?.stop('SIGKILL');
    await Promise.all([sshd.stop(), oidc.stop()]);
    await dir.remove();
  }
});
