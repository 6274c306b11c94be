import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ssh2 from 'ssh2';
import { generateEd25519OpenSshKey, publicKeyLine } from './host-key.js';

describe('generateEd25519OpenSshKey', () => {
  it('writes keys ssh2 can always parse, including public keys that start with a zero byte', () => {
    // About 1 in 256 ed25519 public keys starts with 0x00: the case ssh2's own generator gets wrong.
    for (let i = 0; i < 2_000; i++) {
      const pem = generateEd25519OpenSshKey();
      const parsed = ssh2.utils.parseKey(pem);
      assert.ok(
        !(parsed instanceof Error) && !Array.isArray(parsed),
        `key ${i} did not parse: ${String(parsed)}`,
      );
      assert.ok(parsed.isPrivateKey());
      const publicBlob = parsed.getPublicSSH();
      // string "ssh-ed25519" (4 + 11 bytes), then string key: its length must be 32.
      assert.equal(publicBlob.readUInt32BE(15), 32);
      assert.match(publicKeyLine(pem), /^ssh-ed25519 AAAA/);
    }
  });
});
