import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  anchorDigest,
  anchorSignatureValid,
  keyIdOf,
  signAnchor,
  type AnchorPayload,
} from './anchor-signature.js';
import { HeadsDigest } from './heads-digest.js';
import { readAnchors } from './read-anchors.js';

const h = (c: string) => c.repeat(64);

function keys() {
  const pair = generateKeyPairSync('ed25519', {
    privateKeyEncoding: { format: 'pem', type: 'pkcs8' },
    publicKeyEncoding: { format: 'pem', type: 'spki' },
  });
  return { privateKey: createPrivateKey(pair.privateKey), publicKey: createPublicKey(pair.publicKey) };
}

describe('HeadsDigest', () => {
  it('depends on the heads only: the same heads reached in another order give the same digest', () => {
    const a = HeadsDigest.empty();
    a.move(undefined, { streamName: 's-1', revision: 0, hash: h('a') });
    a.move(
      { streamName: 's-1', revision: 0, hash: h('a') },
      { streamName: 's-1', revision: 1, hash: h('b') },
    );
    a.move(undefined, { streamName: 's-2', revision: 0, hash: h('c') });
    const b = HeadsDigest.empty();
    b.move(undefined, { streamName: 's-2', revision: 0, hash: h('c') });
    b.move(undefined, { streamName: 's-1', revision: 1, hash: h('b') });
    assert.equal(a.toBase64(), b.toBase64());
    assert.equal(a.streams, 2);
    // Counted per head: s-1 at revision 1 is two events, however it got there.
    assert.deepEqual([a.events, b.events], [3, 2 + 1]);
  });

  it('differs for a truncated, rewritten or missing stream', () => {
    const full = HeadsDigest.empty();
    full.move(undefined, { streamName: 's-1', revision: 1, hash: h('b') });
    full.move(undefined, { streamName: 's-2', revision: 0, hash: h('c') });
    const variants = [
      [
        { streamName: 's-1', revision: 0, hash: h('a') },
        { streamName: 's-2', revision: 0, hash: h('c') },
      ],
      [
        { streamName: 's-1', revision: 1, hash: h('d') },
        { streamName: 's-2', revision: 0, hash: h('c') },
      ],
      [{ streamName: 's-1', revision: 1, hash: h('b') }],
    ];
    for (const heads of variants) {
      const other = HeadsDigest.empty();
      for (const head of heads) other.move(undefined, head);
      assert.notEqual(other.toBase64(), full.toBase64());
    }
    const removed = HeadsDigest.restore(full.toBase64(), full.streams, full.events);
    removed.remove({ streamName: 's-2', revision: 0, hash: h('c') });
    assert.equal(
      removed.toBase64(),
      variants[2]!.reduce((d, head) => (d.move(undefined, head), d), HeadsDigest.empty()).toBase64(),
    );
  });
});

describe('anchor signatures', () => {
  const { privateKey, publicKey } = keys();
  const payload: AnchorPayload = {
    sequence: 1,
    asOf: '10/20',
    streams: 2,
    events: 3,
    headsDigest: HeadsDigest.empty().toBase64(),
    previous: h('0'),
    signedAt: '2026-12-01T10:00:00.000Z',
    keyId: keyIdOf(publicKey),
    algorithm: 'ed25519',
  };

  it('verifies with the public key, and not after any field changed or with another key', () => {
    const anchor = signAnchor(payload, privateKey);
    assert.ok(anchorSignatureValid(anchor, publicKey));
    assert.equal(anchorSignatureValid({ ...anchor, events: 2 }, publicKey), false);
    assert.equal(anchorSignatureValid({ ...anchor, asOf: '10/19' }, publicKey), false);
    assert.equal(anchorSignatureValid(anchor, keys().publicKey), false);
    assert.equal(
      anchorDigest(anchor),
      anchorDigest(payload),
      'the signature is not part of the chain digest',
    );
  });

  it('reads anchors from each export shape and skips everything else', () => {
    const anchor = signAnchor(payload, privateKey);
    const json = {
      type: 'AuditAnchorSigned',
      streamName: 'gateway-gw.anchors',
      revision: 0,
      id: 'e1',
      data: anchor,
    };
    const ocsf = {
      class_uid: 1008,
      metadata: { uid: 'e2' },
      unmapped: {
        portcullis: { stream: 'gateway-gw.anchors', revision: 1, anchor: { ...anchor, sequence: 2 } },
      },
    };
    const text = [
      JSON.stringify(json),
      `<109>1 2026-12-01T10:00:00.000Z host portcullis 1 AuditAnchorSigned [portcullis@32473 id="e2"] ${JSON.stringify(ocsf)}`,
      JSON.stringify({ time: 1, event: { ...json, data: { ...anchor, sequence: 3 } } }),
      JSON.stringify({ type: 'SessionOpened', data: {} }),
      'not json',
      '',
    ].join('\n');
    const read = readAnchors(text);
    assert.deepEqual(
      read.anchors.map((a) => [a.data.sequence, a.streamName, a.revision, a.eventId]),
      [
        [1, 'gateway-gw.anchors', 0, 'e1'],
        [2, 'gateway-gw.anchors', 1, 'e2'],
        [3, 'gateway-gw.anchors', 0, 'e1'],
      ],
    );
    assert.equal(read.unreadable, 1);
    assert.equal(readAnchors(JSON.stringify([json, ocsf], null, 2)).anchors.length, 2, 'one JSON array');
  });
});
