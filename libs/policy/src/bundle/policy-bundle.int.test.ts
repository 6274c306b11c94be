import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { isPortcullisError, ErrorCode } from '@portcullis/events';
import { tempDir } from '@portcullis/test-support';
import { PolicyEngine } from '../engine/policy-engine.js';
import { PolicyBundleError, PolicyBundleSignatureError } from '../errors.js';
import { buildTestBundle, MISBEHAVING_POLICY } from '../testing/test-bundles.js';

test('a file that is not gzip, or gzip that is not tar, is a PolicyBundleError naming the cause', async () => {
  await using dir = await tempDir('portcullis-policy-');
  const notGzip = join(dir.path, 'a.tar.gz');
  await writeFile(notGzip, 'this is not a bundle');
  await assert.rejects(PolicyEngine.load(notGzip), (e: unknown) => {
    assert.ok(e instanceof PolicyBundleError);
    assert.equal(e.code, ErrorCode.Validation);
    assert.match(e.message, /is not a gzip-compressed tar archive/);
    return true;
  });
  const notTar = join(dir.path, 'b.tar.gz');
  await writeFile(notTar, gzipSync(Buffer.alloc(600, 0x41)));
  await assert.rejects(PolicyEngine.load(notTar), /is not a valid tar archive/);
  await assert.rejects(PolicyEngine.load(join(dir.path, 'missing.tar.gz')), /cannot read/);
});

test('a wasm missing an entrypoint is rejected and the error names it', async () => {
  await using dir = await tempDir('portcullis-policy-');
  const bundle = await buildTestBundle({
    dir: dir.path,
    files: MISBEHAVING_POLICY,
    entrypoints: ['portcullis/session/decision'],
  });
  await assert.rejects(PolicyEngine.load(bundle), /lacks entrypoint portcullis\/command\/decision/);
});

test('data.json that is not an object, and a bundle without policy.wasm, are rejected', async () => {
  await using dir = await tempDir('portcullis-policy-');
  const bundle = await buildTestBundle({ dir: join(dir.path, 'b'), files: MISBEHAVING_POLICY });
  const unpacked = join(dir.path, 'unpacked');
  await mkdir(unpacked);
  execFileSync('tar', ['xzf', bundle, '-C', unpacked]);
  const loaded = await PolicyEngine.load(unpacked);
  assert.equal(loaded.revision, 'test', 'a directory bundle loads');

  await writeFile(join(unpacked, 'data.json'), '[1, 2]');
  await assert.rejects(PolicyEngine.load(unpacked), /data.json must hold a JSON object, got array/);
  await writeFile(join(unpacked, 'data.json'), '{"derived": ');
  await assert.rejects(PolicyEngine.load(unpacked), /data.json is not valid JSON/);

  const noWasm = join(dir.path, 'nowasm');
  await mkdir(noWasm);
  await writeFile(join(noWasm, 'data.json'), '{}');
  await assert.rejects(PolicyEngine.load(noWasm), /has no policy.wasm/);
});

test('signed bundles: the right key verifies; a wrong key, a tampered file or no signature is rejected', async () => {
  await using dir = await tempDir('portcullis-policy-');
  const signer = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyFile = join(dir.path, 'signing.pem');
  await writeFile(keyFile, signer.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const pem = (k: typeof signer.publicKey) => k.export({ type: 'spki', format: 'pem' }).toString();
  const bundle = await buildTestBundle({
    dir: join(dir.path, 'signed'),
    files: MISBEHAVING_POLICY,
    data: { derived: 'mask', note: 'a<b & c>d' },
    signingKeyFile: keyFile,
  });

  const good = { keys: { default: { algorithm: 'RS256', key: pem(signer.publicKey) } } };
  const engine = await PolicyEngine.load(bundle, { verification: good });
  assert.equal(engine.decideCommand({ ...sample }).allow, true);

  const wrong = { keys: { default: { algorithm: 'RS256', key: pem(stranger.publicKey) } } };
  await assert.rejects(PolicyEngine.load(bundle, { verification: wrong }), (e: unknown) => {
    assert.ok(e instanceof PolicyBundleSignatureError);
    assert.ok(isPortcullisError(e, ErrorCode.Integrity));
    assert.match(e.message, /does not verify with key default/);
    return true;
  });

  const unpacked = join(dir.path, 'tampered');
  await mkdir(unpacked);
  execFileSync('tar', ['xzf', bundle, '-C', unpacked]);
  await PolicyEngine.load(unpacked, { verification: good });
  await writeFile(join(unpacked, 'data.json'), JSON.stringify({ derived: 'deny', note: 'a<b & c>d' }));
  await assert.rejects(PolicyEngine.load(unpacked, { verification: good }), /data.json: digest mismatch/);

  const unsigned = join(dir.path, 'unsigned');
  await cp(unpacked, unsigned, { recursive: true });
  execFileSync('rm', [join(unsigned, '.signatures.json')]);
  await assert.rejects(PolicyEngine.load(unsigned, { verification: good }), /has no .signatures.json/);
});

const sample = {
  identity: { subject: 's', issuer: 'i' },
  target: { name: 't', protocol: 'postgres' as const },
  command: { text: 'SELECT 1', protocol: 'postgres' as const, statements: [], columns_read: [] },
};
