/**
 * The SFTP packets the proxy reads (draft-ietf-secsh-filexfer-02, version 3,
 * as OpenSSH speaks it, plus OpenSSH's extensions in its PROTOCOL file).
 * Every packet is `uint32 length, byte type, uint32 request-id, …`; strings
 * are `uint32 length, bytes`.
 */
export const enum SftpType {
  Init = 1,
  Open = 3,
  Close = 4,
  Read = 5,
  Write = 6,
  Lstat = 7,
  Fstat = 8,
  Setstat = 9,
  Fsetstat = 10,
  Opendir = 11,
  Readdir = 12,
  Remove = 13,
  Mkdir = 14,
  Rmdir = 15,
  Realpath = 16,
  Stat = 17,
  Rename = 18,
  Readlink = 19,
  Symlink = 20,
  Version = 2,
  Status = 101,
  Handle = 102,
  Data = 103,
  Extended = 200,
}

export const enum SftpOpenFlag {
  Read = 0x01,
  Write = 0x02,
  Append = 0x04,
  Create = 0x08,
  Truncate = 0x10,
  Exclusive = 0x20,
}

export const SSH_FX_PERMISSION_DENIED = 3;
export const SSH_FX_FAILURE = 4;

/** Larger than any packet OpenSSH sends (its limit is 256 KiB); a bigger one closes the channel. */
export const MAX_SFTP_PACKET = 1024 * 1024;

/**
 * Splits a byte stream into whole SFTP packets. Chunks are kept as views and
 * only concatenated once a packet is complete (a packet usually arrives in
 * one chunk, and then it is a view, not a copy).
 */
export class SftpFramer {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** Whole packets (length prefix included); throws on a packet larger than MAX_SFTP_PACKET. */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const packets: Buffer[] = [];
    for (;;) {
      if (this.buffered < 4) break;
      const head = this.chunks[0] as Buffer;
      const length = head.length >= 4 ? head.readUInt32BE(0) : Buffer.concat(this.chunks).readUInt32BE(0);
      if (length > MAX_SFTP_PACKET) throw new Error(`SFTP packet of ${length} bytes is too large`);
      if (this.buffered < length + 4) break;
      const all = this.chunks.length === 1 ? head : Buffer.concat(this.chunks);
      packets.push(all.subarray(0, length + 4));
      const rest = all.subarray(length + 4);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
    }
    return packets;
  }
}

/** A cursor over one packet's payload; reading past the end throws. */
export class PacketReader {
  private offset: number;
  constructor(
    private readonly packet: Buffer,
    offset = 5,
  ) {
    this.offset = offset;
  }
  uint32(): number {
    const value = this.packet.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }
  uint64(): bigint {
    const value = this.packet.readBigUInt64BE(this.offset);
    this.offset += 8;
    return value;
  }
  bytes(): Buffer {
    const length = this.uint32();
    if (this.offset + length > this.packet.length) throw new RangeError('string past the end of the packet');
    const value = this.packet.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }
  string(): string {
    return this.bytes().toString('utf8');
  }
}

export const packetType = (packet: Buffer): number => packet[4] as number;

/** SSH_FXP_STATUS: the answer the proxy gives to a refused request. */
export function statusPacket(id: number, code: number, message: string): Buffer {
  const text = Buffer.from(message, 'utf8');
  const packet = Buffer.alloc(4 + 1 + 4 + 4 + 4 + text.length + 4);
  let at = packet.writeUInt32BE(packet.length - 4, 0);
  at = packet.writeUInt8(SftpType.Status, at);
  at = packet.writeUInt32BE(id, at);
  at = packet.writeUInt32BE(code, at);
  at = packet.writeUInt32BE(text.length, at);
  at += text.copy(packet, at);
  packet.writeUInt32BE(0, at); // language tag: empty
  return packet;
}
