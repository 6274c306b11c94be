/**
 * Test setup for upstream authentication against a real server: roles that
 * need a password, each behind a different pg_hba method, and a TLS
 * certificate the server can present. Runs psql as the trusted superuser.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { postgresBinDir, type PostgresServer } from '@portcullis/test-support';

export const ROLES = {
  cleartext: { user: 'clear_agent', password: 'clear-secret', method: 'password' },
  md5: { user: 'md5_agent', password: 'md5-secret', method: 'md5' },
  scram: { user: 'scram_agent', password: 'scram-secret', method: 'scram-sha-256' },
} as const;

export function psql(server: PostgresServer, sql: string, user = 'postgres'): string {
  return execFileSync(
    join(postgresBinDir(), 'psql'),
    ['-h', '127.0.0.1', '-p', String(server.port), '-U', user, '-w', '-d', 'postgres', '-Atc', sql],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PGPASSWORD: '' },
      timeout: 60_000, // a stuck psql blocks the test's event loop: bound it
    },
  )
    .toString()
    .trim();
}

/** Creates the roles (md5 stores an md5 hash, the others SCRAM) and switches pg_hba to per-role methods. */
export async function requirePasswords(server: PostgresServer): Promise<void> {
  psql(
    server,
    [
      `SET password_encryption = 'md5'`,
      `CREATE ROLE ${ROLES.md5.user} LOGIN PASSWORD '${ROLES.md5.password}'`,
      `SET password_encryption = 'scram-sha-256'`,
      `CREATE ROLE ${ROLES.scram.user} LOGIN PASSWORD '${ROLES.scram.password}'`,
      `CREATE ROLE ${ROLES.cleartext.user} LOGIN PASSWORD '${ROLES.cleartext.password}'`,
    ].join(';'),
  );
  const rules = Object.values(ROLES).map((r) => `host all ${r.user} 127.0.0.1/32 ${r.method}`);
  writeFileSync(
    join(server.dataDir, 'pg_hba.conf'),
    [...rules, 'host all all 127.0.0.1/32 trust', ''].join('\n'),
  );
  psql(server, 'SELECT pg_reload_conf()');
  // The reload is asynchronous: wait until the password rule is in force.
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      psql(server, 'SELECT 1', ROLES.scram.user);
    } catch {
      return;
    }
    if (Date.now() > deadline) throw new Error('pg_hba.conf reload did not take effect');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A self-signed certificate for `localhost`, readable by the server's user. */
export function serverCertificate(dir: string): { settings: Record<string, string>; cert: string } {
  const key = join(dir, 'server.key');
  const cert = join(dir, 'server.crt');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  chmodSync(dir, 0o755);
  chmodSync(key, 0o600);
  if (process.getuid?.() === 0) {
    // The server runs as `postgres` when tests run as root; it insists on owning its key.
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(key, uid, gid);
    chownSync(cert, uid, gid);
  }
  return {
    settings: { ssl: 'on', ssl_cert_file: cert, ssl_key_file: key },
    cert: execFileSync('cat', [cert]).toString(),
  };
}

export function connectTo(server: PostgresServer): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, server.host);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}
