import { createHash } from 'node:crypto';

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The namespace of Portcullis name-based event ids (a fixed, random UUID). */
const PORTCULLIS_ID_NAMESPACE = Buffer.from('6f1c2d7a9b3e4f50a1c2d3e4f5a6b7c8', 'hex');

/**
 * EventStoreDB event ids must be UUIDs, and ESDB hands them back in canonical
 * lower case. Our ids are hashed into the chain, so the id read back must be
 * byte-identical to the id written: canonical UUIDs are used as they are;
 * anything else (an upper-case UUID, a test's `evt-1`) gets a deterministic
 * RFC 4122 version-5 UUID, and the original id travels in metadata (`$id`).
 * Deterministic, so a retried append maps to the same ESDB id.
 */
export function toEsdbEventId(id: string): string {
  return isCanonicalUuid(id) ? id : nameBasedUuid(id);
}

export const isCanonicalUuid = (id: string): boolean => CANONICAL_UUID.test(id);

function nameBasedUuid(name: string): string {
  const bytes = createHash('sha1')
    .update(PORTCULLIS_ID_NAMESPACE)
    .update(name, 'utf8')
    .digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50; // version 5
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
