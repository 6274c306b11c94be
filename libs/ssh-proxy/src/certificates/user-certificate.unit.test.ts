import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { test } from 'node:test';
import ssh2 from 'ssh2';
import { generateEd25519OpenSshKey } from '../proxy/host-key.js';
import { readStrings } from './ssh-wire.js';
import { ED25519_CERT, signUserCertificate, type CertificateAuthority } from './user-certificate.js';

function keyPair(comment: string) {
  const key = ssh2.utils.parseKey(generateEd25519OpenSshKey(comment));
  if (key instanceof Error || Array.isArray(key)) throw new Error('no key');
  return key;
}

/** Reads a certificate back field by field (PROTOCOL.certkeys), as sshd does. */
function parse(cert: Buffer) {
  let at = 0;
  const string = () => {
    const length = cert.readUInt32BE(at);
    const value = cert.subarray(at + 4, at + 4 + length);
    at += 4 + length;
    return value;
  };
  const u64 = () => ((at += 8), cert.readBigUInt64BE(at - 8));
  const u32 = () => ((at += 4), cert.readUInt32BE(at - 4));
  const fields = {
    type: string().toString(),
    nonce: string(),
    key: string(),
    serial: u64(),
    certType: u32(),
    keyId: string().toString(),
    principals: readStrings(string()).map(String),
    validAfter: u64(),
    validBefore: u64(),
    critical: string(),
    extensions: readStrings(string()).map(String),
    reserved: string(),
    signatureKey: string(),
  };
  const signed = cert.subarray(0, at);
  const [sigType, signature] = readStrings(string());
  assert.equal(at, cert.length, 'nothing after the signature');
  return { ...fields, signed, sigType: sigType!.toString(), signature: signature! };
}

test('a user certificate holds what was asked, in PROTOCOL.certkeys order, signed by the CA', () => {
  const caKey = keyPair('ca');
  const ca: CertificateAuthority = {
    publicBlob: caKey.getPublicSSH(),
    sign: (data) => caKey.sign(data) as Buffer,
  };
  const subject = keyPair('session');
  const validAfter = new Date('2026-12-03T10:00:00Z');
  const validBefore = new Date('2026-12-03T10:05:00Z');
  const cert = parse(
    signUserCertificate(ca, {
      publicBlob: subject.getPublicSSH(),
      serial: 42n,
      keyId: 'portcullis session=s-1 subject=sp',
      principals: ['deploy'],
      validAfter,
      validBefore,
    }),
  );
  assert.equal(cert.type, ED25519_CERT);
  assert.equal(cert.nonce.length, 32);
  assert.deepEqual(cert.key, readStrings(subject.getPublicSSH())[1]);
  assert.equal(cert.serial, 42n);
  assert.equal(cert.certType, 1, 'a user certificate');
  assert.equal(cert.keyId, 'portcullis session=s-1 subject=sp');
  assert.deepEqual(cert.principals, ['deploy']);
  assert.equal(cert.validAfter, BigInt(validAfter.getTime() / 1000));
  assert.equal(cert.validBefore, BigInt(validBefore.getTime() / 1000));
  assert.equal(cert.critical.length, 0);
  // name, then empty data, per extension
  assert.deepEqual(cert.extensions, ['permit-pty', '']);
  assert.deepEqual(cert.signatureKey, ca.publicBlob);
  assert.equal(cert.sigType, 'ssh-ed25519');
  const caPublic = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: readStrings(ca.publicBlob)[1]!.toString('base64url') },
    format: 'jwk',
  });
  assert.equal(verify(null, cert.signed, caPublic, cert.signature), true);
  const tampered = Buffer.from(cert.signed);
  tampered[tampered.length - 40]! ^= 1;
  assert.equal(verify(null, tampered, caPublic, cert.signature), false);
});

test('only Ed25519 subjects are certified', () => {
  const ca: CertificateAuthority = { publicBlob: Buffer.alloc(0), sign: () => Buffer.alloc(64) };
  assert.throws(
    () =>
      signUserCertificate(ca, {
        publicBlob: Buffer.from('not a key'),
        serial: 1n,
        keyId: 'x',
        principals: ['x'],
        validAfter: new Date(),
        validBefore: new Date(),
      }),
    /only Ed25519/,
  );
});
