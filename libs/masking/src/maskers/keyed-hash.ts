import { createHash, createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { MaskingConfigError } from '../masking-error.js';
import { MIN_HASH_KEY_BYTES } from '../masking-options.js';
import { compressBlock, SHA256_INITIAL_STATE } from './sha256-block.js';

const HEX = '0123456789abcdef';
const BLOCK = 64;
const DIGEST = 32;
/** Values up to this many bytes take the precomputed path; longer ones stream through createHmac. */
const SCRATCH_BYTES = 4096;

/**
 * `hash`: HMAC-SHA-256 (RFC 2104) under the deployment's secret, truncated
 * hex. Keyed, so a dictionary of likely values (all 10^9 SSNs, a customer
 * list) cannot be hashed to reverse it without the key; deterministic, so
 * equal values still join and group.
 *
 * HMAC is H(K⊕opad ‖ H(K⊕ipad ‖ m)). The SHA-256 states after the two key
 * blocks never change, so they are computed once; a value under 56 bytes
 * then costs two compressions and no allocation besides the output. See
 * sha256-block.ts for why this is not `createHmac` per value. All scratch
 * buffers are reused: every call is synchronous.
 */
export class KeyedHash {
  private readonly key: KeyObject;
  private readonly innerStart = Int32Array.from(SHA256_INITIAL_STATE);
  private readonly outerStart = Int32Array.from(SHA256_INITIAL_STATE);
  private readonly state = new Int32Array(8);
  private readonly message = Buffer.alloc(SCRATCH_BYTES + 2 * BLOCK);
  /** The outer message's only block: the inner digest, then fixed padding for 96 bytes. */
  private readonly outerBlock = Buffer.alloc(BLOCK);
  private readonly digestOut = Buffer.alloc(DIGEST);
  private readonly digestBytes: number;

  constructor(
    key: string | Uint8Array,
    readonly hexLength: number,
  ) {
    let bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
    if (bytes.length < MIN_HASH_KEY_BYTES) {
      throw new MaskingConfigError('hashKey', `must be at least ${MIN_HASH_KEY_BYTES} bytes`);
    }
    if (!Number.isInteger(hexLength) || hexLength < 8 || hexLength > 64 || hexLength % 2 !== 0) {
      throw new MaskingConfigError('hashLength', 'must be an even integer from 8 to 64');
    }
    this.key = createSecretKey(bytes);
    if (bytes.length > BLOCK) bytes = createHash('sha256').update(bytes).digest();
    const pad = Buffer.alloc(BLOCK);
    for (let i = 0; i < BLOCK; i++) pad[i] = (bytes[i] ?? 0) ^ 0x36;
    compressBlock(this.innerStart, pad, 0);
    for (let i = 0; i < BLOCK; i++) pad[i] = (bytes[i] ?? 0) ^ 0x5c;
    compressBlock(this.outerStart, pad, 0);
    this.outerBlock[DIGEST] = 0x80;
    this.outerBlock.writeUInt32BE((BLOCK + DIGEST) * 8, BLOCK - 4);
    this.digestBytes = hexLength / 2;
  }

  /** The full 32-byte MAC; a string is hashed as its UTF-8 bytes, so both paths agree. */
  mac(value: string | Uint8Array): Buffer {
    return Buffer.from(this.digest(value));
  }

  hex(value: string | Uint8Array): string {
    return this.digest(value).toString('hex', 0, this.digestBytes);
  }

  /** The truncated hex as ASCII bytes, written straight into the output buffer. */
  hexBytes(value: Uint8Array): Buffer {
    const mac = this.digest(value);
    const out = Buffer.allocUnsafe(this.hexLength);
    for (let i = 0; i < this.digestBytes; i++) {
      const b = mac[i]!;
      out[2 * i] = HEX.charCodeAt(b >>> 4);
      out[2 * i + 1] = HEX.charCodeAt(b & 0x0f);
    }
    return out;
  }

  /** The MAC in a shared buffer, valid until the next call. */
  private digest(value: string | Uint8Array): Buffer {
    const length = this.copyIn(value);
    if (length < 0) return createHmac('sha256', this.key).update(value).digest();
    const blocks = this.padMessage(length);
    const state = this.state;
    state.set(this.innerStart);
    for (let offset = 0; offset < blocks * BLOCK; offset += BLOCK) compressBlock(state, this.message, offset);
    for (let i = 0; i < 8; i++) this.outerBlock.writeInt32BE(state[i]!, 4 * i);
    state.set(this.outerStart);
    compressBlock(state, this.outerBlock, 0);
    for (let i = 0; i < 8; i++) this.digestOut.writeInt32BE(state[i]!, 4 * i);
    return this.digestOut;
  }

  /** Copies the value's bytes to the start of the message scratch; -1 when it may not fit. */
  private copyIn(value: string | Uint8Array): number {
    if (typeof value === 'string') {
      // Three bytes per UTF-16 unit is the UTF-8 worst case, so this cannot truncate.
      if (value.length * 3 > SCRATCH_BYTES) return -1;
      return this.message.write(value, 0, 'utf8');
    }
    if (value.length > SCRATCH_BYTES) return -1;
    this.message.set(value, 0);
    return value.length;
  }

  /** SHA-256 padding after `length` message bytes (the key block comes first); returns the block count. */
  private padMessage(length: number): number {
    const blocks = Math.ceil((length + 9) / BLOCK);
    const end = blocks * BLOCK;
    this.message[length] = 0x80;
    this.message.fill(0, length + 1, end - 4);
    this.message.writeUInt32BE((BLOCK + length) * 8, end - 4);
    return blocks;
  }
}
