import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PacketReader, SftpFramer, statusPacket } from './sftp-packets.js';
import { classifyRequest, classifyResponse } from './sftp-requests.js';

const str = (s: string | Buffer) => {
  const b = Buffer.isBuffer(s) ? s : Buffer.from(s);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
};
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const packet = (type: number, ...parts: Buffer[]) => {
  const body = Buffer.concat([Buffer.of(type), ...parts]);
  return Buffer.concat([u32(body.length), body]);
};

describe('SFTP packets', () => {
  it('frames packets split at every byte boundary', () => {
    const stream = Buffer.concat([
      packet(3, u32(1), str('/etc/motd'), u32(1), u32(0)),
      packet(13, u32(2), str('/tmp/x')),
    ]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const framer = new SftpFramer();
      const packets = [...framer.push(stream.subarray(0, cut)), ...framer.push(stream.subarray(cut))];
      assert.deepEqual(
        packets.map((p) => classifyRequest(p)),
        [
          { kind: 'decide', id: 1, operation: 'get', paths: ['/etc/motd'] },
          { kind: 'decide', id: 2, operation: 'rm', paths: ['/tmp/x'] },
        ],
        `cut at ${cut}`,
      );
    }
  });

  it('refuses a packet larger than the limit (fail closed)', () => {
    assert.throws(() => new SftpFramer().push(u32(64 * 1024 * 1024)), /too large/);
  });

  it('classifies opens by their flags, renames, extensions and handle operations', () => {
    const open = (flags: number) => classifyRequest(packet(3, u32(7), str('/f'), u32(flags), u32(0)));
    assert.equal((open(0x01) as { operation: string }).operation, 'get');
    for (const flags of [0x02, 0x04, 0x08, 0x10, 0x1a])
      assert.equal((open(flags) as { operation: string }).operation, 'put');
    assert.deepEqual(classifyRequest(packet(18, u32(3), str('/a'), str('/b'))), {
      kind: 'decide',
      id: 3,
      operation: 'rename',
      paths: ['/a', '/b'],
    });
    assert.deepEqual(
      classifyRequest(packet(200, u32(4), str('posix-rename@openssh.com'), str('/a'), str('/b'))),
      {
        kind: 'decide',
        id: 4,
        operation: 'rename',
        paths: ['/a', '/b'],
      },
    );
    assert.equal(classifyRequest(packet(200, u32(5), str('statvfs@openssh.com'), str('/'))).kind, 'pass');
    assert.deepEqual(classifyRequest(packet(200, u32(6), str('evil@example.com'))), {
      kind: 'refuse',
      id: 6,
      reason: 'SFTP extension evil@example.com is not supported through the proxy',
    });
    assert.deepEqual(
      classifyRequest(packet(6, u32(8), str(Buffer.of(1, 2)), Buffer.alloc(8), str('hello'))),
      {
        kind: 'write',
        handle: '0102',
        bytes: 5,
      },
    );
    assert.deepEqual(classifyRequest(packet(3, u32(9), u32(99))), {
      kind: 'refuse',
      id: 9,
      reason: 'malformed SFTP request',
    });
  });

  it('reads handles and data lengths from answers; writes a PERMISSION_DENIED status', () => {
    assert.deepEqual(classifyResponse(packet(102, u32(1), str(Buffer.of(0xab)))), {
      kind: 'handle',
      id: 1,
      handle: 'ab',
    });
    assert.deepEqual(classifyResponse(packet(103, u32(2), str('12345'))), { kind: 'data', id: 2, bytes: 5 });
    const status = statusPacket(42, 3, 'portcullis: denied: x');
    assert.equal(status.readUInt32BE(0), status.length - 4);
    const reader = new PacketReader(status);
    assert.deepEqual(
      [status[4], reader.uint32(), reader.uint32(), reader.string(), reader.string()],
      [101, 42, 3, 'portcullis: denied: x', ''],
    );
  });
});
