import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { awsSecretAccessKeyDetector } from './aws-secret-access-key.js';
import { findMatches } from './find-hits.js';

const find = (text: string) => findMatches(awsSecretAccessKeyDetector, text);
const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

describe('AWS secret access key detector', () => {
  it('finds a secret that is the whole value', () => {
    assert.deepEqual(find(secret), [secret]);
    assert.deepEqual(find(` ${secret}\n`), [secret]);
  });

  it('finds a secret after an aws or secret keyword', () => {
    assert.deepEqual(find(`aws_secret_access_key=${secret}`), [secret]);
    assert.deepEqual(find(`{"SecretAccessKey": "${secret}"}`), [secret]);
  });

  it('finds a secret next to an access key id', () => {
    assert.deepEqual(find(`AKIAIOSFODNN7EXAMPLE:${secret}`), [secret]);
  });

  it('needs context when embedded in text', () => {
    assert.deepEqual(find(`token ${secret} here`), []);
  });

  it('ignores digests, longer base64 and runs that do not look random', () => {
    for (const text of [
      'da39a3ee5e6b4b0d3255bfef95601890afd80709', // SHA-1 hex
      'DA39A3EE5E6B4B0D3255BFEF95601890AFD80709',
      `secret ${secret}Zz`, // longer run
      `secret ${secret}=`, // padding: longer base64
      'secret abcdefghijabcdefghijabcdefghijabcdefghij',
      'secret AAAAaaaa1111AAAAaaaa1111AAAAaaaa1111AAAA',
      'secret /usr/local/share/applications/Foo1/bin',
    ]) {
      assert.deepEqual(find(text), [], text);
    }
  });
});
