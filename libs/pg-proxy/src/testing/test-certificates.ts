/**
 * A throwaway certificate authority and certificates it signs, made with the
 * `openssl` command (P-256 keys: quick to generate). For TLS tests only.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  /** PEM contents of the two files. */
  readonly cert: string;
  readonly key: string;
}

export interface TestAuthority extends TestCertificate {
  /** A certificate for `name` (DNS and IP subject alternative names), signed by this authority. */
  issue(name: string, altNames: { dns?: string[]; ip?: string[] }): TestCertificate;
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export function testAuthority(dir: string, label = 'ca'): TestAuthority {
  const certFile = join(dir, `${label}.crt`);
  const keyFile = join(dir, `${label}.key`);
  openssl([
    'req',
    '-x509',
    ...EC_KEY,
    '-days',
    '1',
    '-subj',
    `/CN=portcullis test ${label}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ]);
  return {
    certFile,
    keyFile,
    cert: readFileSync(certFile, 'utf8'),
    key: readFileSync(keyFile, 'utf8'),
    issue(name, altNames) {
      const base = join(dir, `${label}-${name}`);
      const names = [
        ...(altNames.dns ?? []).map((d) => `DNS:${d}`),
        ...(altNames.ip ?? []).map((i) => `IP:${i}`),
      ];
      writeFileSync(`${base}.ext`, `subjectAltName=${names.join(',')}\nextendedKeyUsage=serverAuth\n`);
      openssl(['req', ...EC_KEY, '-subj', `/CN=${name}`, '-keyout', `${base}.key`, '-out', `${base}.csr`]);
      openssl([
        'x509',
        '-req',
        '-in',
        `${base}.csr`,
        '-CA',
        certFile,
        '-CAkey',
        keyFile,
        '-CAcreateserial',
        '-days',
        '1',
        '-extfile',
        `${base}.ext`,
        '-out',
        `${base}.crt`,
      ]);
      return {
        certFile: `${base}.crt`,
        keyFile: `${base}.key`,
        cert: readFileSync(`${base}.crt`, 'utf8'),
        key: readFileSync(`${base}.key`, 'utf8'),
      };
    },
  };
}
