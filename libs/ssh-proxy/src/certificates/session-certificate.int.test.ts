/**
 * A certificate per SSH session against a real OpenSSH sshd that trusts the
 * gateway's user CA (TrustedUserCAKeys) and has no authorized key: OpenSSH's
 * ssh and sftp through the proxy log in with the session's certificate,
 * sshd's log names its key id, ssh-keygen reads what the gateway signs, and
 * sshd refuses an expired certificate and one for another principal.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { openSqlEventStore, type EventStore } from '@portcullis/eventstore';
import type { RecordedEvent, UpstreamCredentialIssuedData } from '@portcullis/events';
import { createTokenVerifier, type Identity } from '@portcullis/identity';
import { PolicyEngine } from '@portcullis/policy';
import {
  grantingPolicyBundle,
  OPENSSH_TOKEN_OPTIONS,
  startOidcProvider,
  startSshd,
  tempDir,
  type OidcProvider,
  type SshdServer,
  type TempDir,
} from '@portcullis/test-support';
import { connectUpstream } from '../proxy/connect-upstream.js';
import type { SshUpstream } from '../proxy/proxy-options.js';
import { startSshProxy, type SshProxy } from '../proxy/ssh-proxy-server.js';
import { issueSessionCertificate } from './session-certificate.js';
import { loadOrCreateUserCa, type UserCa } from './user-ca.js';
import { certificateLine } from './user-certificate.js';

const DEPLOYER = 'ci-deployer';
const HOST = 'cert-box';
const run = promisify(execFile);
const identityOf = (subject: string, issuer: string): Identity => ({
  subject,
  issuer,
  app_id: subject,
  kind: 'service_principal',
  groups: [],
  roles: [],
});

describe('a certificate per SSH session (OpenSSH sshd with TrustedUserCAKeys)', () => {
  let dir: TempDir;
  let ca: UserCa;
  let sshd: SshdServer;
  let oidc: OidcProvider;
  let store: EventStore;
  let proxy: SshProxy;
  let upstream: SshUpstream;

  before(async () => {
    dir = await tempDir('portcullis-ssh-cert-');
    const caFile = join(dir.path, 'gateway', 'ssh_user_ca_ed25519_key');
    ca = await loadOrCreateUserCa(caFile);
    [sshd, oidc] = await Promise.all([
      startSshd({
        authorizedKeys: [],
        trustedUserCaKey: ca.publicKeyLine,
        logLevel: 'INFO',
        extraConfig: ['Subsystem sftp internal-sftp'],
      }),
      startOidcProvider({ clients: [{ clientId: DEPLOYER }] }),
    ]);
    const policy = await PolicyEngine.load(
      await grantingPolicyBundle(dir.path, {
        issuer: oidc.issuer,
        appIds: [DEPLOYER],
        targetLabels: [{ kind: ['host'] }],
        sshPrincipal: sshd.user,
      }),
    );
    store = (await openSqlEventStore({ kind: 'pglite', dataDir: join(dir.path, 'store') })).store;
    upstream = {
      host: sshd.host,
      port: sshd.port,
      user: 'not-the-principal',
      credential: 'certificate',
      hostKey: sshd.hostPublicKey,
    };
    proxy = await startSshProxy({
      listen: { host: '127.0.0.1', port: 0 },
      hostKeyFile: join(dir.path, 'gateway', 'ssh_host_ed25519_key'),
      userCaKeyFile: caFile,
      targets: [{ name: HOST, labels: { env: 'dev', kind: 'host' }, upstream }],
      tokens: createTokenVerifier([{ issuer: oidc.issuer, audiences: [oidc.audience] }]),
      policy,
      store,
      gatewayInstance: 'gw-int-test',
    });
  });
  after(async () => {
    await proxy?.close();
    await store?.close();
    await Promise.all([sshd?.stop(), oidc?.stop()]);
    await dir?.remove();
  });

  async function throughProxy(program: 'ssh' | 'sftp' | 'scp', ...args: string[]) {
    const env = { ...process.env, SSHPASS: await oidc.issueToken(DEPLOYER) };
    const port = program === 'ssh' ? ['-p', String(proxy.address.port)] : ['-P', String(proxy.address.port)];
    // sftp -b implies BatchMode, which would skip the password sshpass answers.
    const batch = program === 'sftp' ? ['-o', 'BatchMode=no'] : [];
    try {
      const { stdout } = await run(
        'sshpass',
        ['-e', program, ...OPENSSH_TOKEN_OPTIONS, ...batch, ...port, ...args],
        {
          env,
          timeout: 30_000,
        },
      );
      return stdout;
    } catch (error) {
      assert.fail(`${program} failed: ${(error as { stderr?: string }).stderr ?? String(error)}`);
    }
  }

  async function issuedEvents(): Promise<RecordedEvent[]> {
    const all = await store.readAll({ filter: { streamPrefixes: ['session-'] } });
    return all.filter((e) => e.type === 'UpstreamCredentialIssued');
  }

  it('ssh and sftp through the proxy log in with the session certificate; sshd logs its key id', async () => {
    const out = await throughProxy('ssh', `${HOST}@127.0.0.1`, 'id -un');
    assert.equal(out.trim(), sshd.user);
    const [event] = await issuedEvents();
    assert.ok(event, 'UpstreamCredentialIssued recorded');
    const issued = event.data as UpstreamCredentialIssuedData;
    assert.equal(issued.mechanism, 'certificate');
    assert.equal(issued.principal, sshd.user);
    assert.equal(issued.keyId, `portcullis session=${issued.sessionId} subject=${DEPLOYER}`);
    assert.match(issued.serial!, /^\d+$/);
    const lifetime = Date.parse(issued.validUntil!) - Date.parse(issued.validAfter!);
    assert.equal(lifetime, 360_000); // 5 minutes ahead, a minute back for clock skew
    const log = sshd.log();
    assert.match(log, /Accepted publickey for \S+ from 127\.0\.0\.1 port \d+ ssh2: ED25519-CERT SHA256:/);
    assert.ok(log.includes(`ID ${issued.keyId} (serial ${issued.serial})`), log);
    assert.ok(log.includes(issued.fingerprint!), log);

    const listing = join(dir.path, 'sftp-batch');
    await writeFile(listing, 'pwd\n');
    const sftp = await throughProxy('sftp', '-b', listing, `${HOST}@127.0.0.1`);
    assert.match(sftp, /Remote working directory: \//);
    const copy = join(dir.path, 'copied-hostname');
    await throughProxy('scp', '-O', `${HOST}@127.0.0.1:/etc/hostname`, copy);
    assert.equal(await readFile(copy, 'utf8'), await readFile('/etc/hostname', 'utf8'));
    const all = await issuedEvents();
    assert.equal(all.length, 3, 'one certificate per session');
    assert.equal(new Set(all.map((e) => (e.data as UpstreamCredentialIssuedData).serial)).size, 3);
  });

  it('ssh-keygen reads the certificate the gateway signs', async () => {
    const identity = identityOf('sp-reader', 'https://issuer.example');
    const cert = issueSessionCertificate(ca, { sessionId: 's-1', identity, principal: 'deploy' });
    const file = join(dir.path, 'session-cert.pub');
    await writeFile(file, certificateLine(cert.certificate) + '\n');
    const { stdout } = await run('ssh-keygen', ['-L', '-f', file]);
    assert.match(stdout, /Type: ssh-ed25519-cert-v01@openssh.com user certificate/);
    assert.match(stdout, /Key ID: "portcullis session=s-1 subject=sp-reader"/);
    assert.match(stdout, new RegExp(`Serial: ${cert.issued.serial}`));
    assert.match(stdout, /Principals: \n\s+deploy\n/);
    assert.match(stdout, /Extensions: \n\s+permit-pty\n/);
    assert.ok(stdout.includes(`Signing CA: ED25519 SHA256:`), stdout);
  });

  it('sshd refuses an expired certificate and one for another principal', async () => {
    const identity = identityOf(DEPLOYER, oidc.issuer);
    const expired = issueSessionCertificate(ca, {
      sessionId: 's-expired',
      identity,
      principal: sshd.user,
      validitySeconds: 30,
      now: Date.now() - 3_600_000,
    });
    await assert.rejects(connectUpstream(upstream, identity, expired), /authentication methods failed/);
    const stranger = issueSessionCertificate(ca, {
      sessionId: 's-principal',
      identity,
      principal: 'someone-else',
    });
    // Logged in as the principal it names; sshd's user is not among its principals.
    await assert.rejects(
      connectUpstream(upstream, identity, { ...stranger, principal: sshd.user }),
      /authentication methods failed/,
    );
    const good = issueSessionCertificate(ca, { sessionId: 's-good', identity, principal: sshd.user });
    const client = await connectUpstream(upstream, identity, good);
    client.end();
    assert.match(sshd.log(), /Certificate invalid: expired/);
    assert.match(sshd.log(), /Certificate invalid: name is not a listed principal/);
  });
});
