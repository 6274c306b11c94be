/**
 * The client side of SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL uses
 * it (https://www.postgresql.org/docs/current/sasl-authentication.html),
 * without channel binding (`n,,`). Pure functions over strings, so the RFC
 * test vector checks them without a server.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { UpstreamAuthenticationError } from './upstream-errors.js';

export const SCRAM_SHA_256 = 'SCRAM-SHA-256';
/** No channel binding, no authorization identity. */
const GS2_HEADER = 'n,,';
const KEY_LENGTH = 32;
const NONCE_BYTES = 18;
/** PostgreSQL's default is 4096; a bound keeps a hostile server from pinning a core on PBKDF2. */
const MAX_ITERATIONS = 1_000_000;

export interface ClientFirst {
  readonly clientNonce: string;
  readonly clientFirstMessageBare: string;
  /** What goes in SASLInitialResponse. */
  readonly message: string;
}

/**
 * PostgreSQL ignores the SCRAM user name (it takes the startup `user`), and
 * libpq sends an empty one; tests pass the RFC's `user`.
 */
export function clientFirst(
  userName = '',
  clientNonce = randomBytes(NONCE_BYTES).toString('base64'),
): ClientFirst {
  const clientFirstMessageBare = `n=${saslName(userName)},r=${clientNonce}`;
  return { clientNonce, clientFirstMessageBare, message: GS2_HEADER + clientFirstMessageBare };
}

export interface ServerFirst {
  readonly raw: string;
  readonly nonce: string;
  readonly salt: Buffer;
  readonly iterations: number;
}

export function parseServerFirst(raw: string, clientNonce: string): ServerFirst {
  const attributes = parseAttributes(raw);
  if (attributes.has('m')) throw scramError('server-first-message requires an unsupported extension');
  const nonce = attributes.get('r');
  const salt = attributes.get('s');
  const iterations = Number(attributes.get('i'));
  // The server's nonce must extend ours: otherwise this exchange could be a replay.
  if (!nonce || !nonce.startsWith(clientNonce) || nonce.length === clientNonce.length) {
    throw scramError('server nonce does not extend the client nonce');
  }
  if (!salt || !/^[A-Za-z0-9+/]+={0,2}$/.test(salt)) throw scramError('server salt is not base64');
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS) {
    throw scramError('server iteration count is out of range');
  }
  return { raw, nonce, salt: Buffer.from(salt, 'base64'), iterations };
}

export interface ClientFinal {
  /** What goes in SASLResponse. */
  readonly message: string;
  /** What the server must prove it knows in server-final-message. */
  readonly expectedServerSignature: Buffer;
}

export function clientFinal(password: string, first: ClientFirst, server: ServerFirst): ClientFinal {
  const withoutProof = `c=${Buffer.from(GS2_HEADER).toString('base64')},r=${server.nonce}`;
  const authMessage = `${first.clientFirstMessageBare},${server.raw},${withoutProof}`;
  const saltedPassword = pbkdf2Sync(
    normalizePassword(password),
    server.salt,
    server.iterations,
    KEY_LENGTH,
    'sha256',
  );
  const clientKey = hmac(saltedPassword, 'Client Key');
  const storedKey = createHash('sha256').update(clientKey).digest();
  const clientSignature = hmac(storedKey, authMessage);
  const proof = Buffer.alloc(KEY_LENGTH);
  for (let i = 0; i < KEY_LENGTH; i++) proof[i] = clientKey[i]! ^ clientSignature[i]!;
  const serverKey = hmac(saltedPassword, 'Server Key');
  return {
    message: `${withoutProof},p=${proof.toString('base64')}`,
    expectedServerSignature: hmac(serverKey, authMessage),
  };
}

/** Throws unless the server proved it knows the password: a server that cannot is not the one we meant. */
export function verifyServerFinal(raw: string, expectedServerSignature: Buffer): void {
  const attributes = parseAttributes(raw);
  const error = attributes.get('e');
  if (error !== undefined) throw scramError(`server refused the exchange: ${error}`);
  const signature = Buffer.from(attributes.get('v') ?? '', 'base64');
  if (
    signature.length !== expectedServerSignature.length ||
    !timingSafeEqual(signature, expectedServerSignature)
  ) {
    throw scramError('server signature does not verify');
  }
}

function hmac(key: Buffer, text: string): Buffer {
  return createHmac('sha256', key).update(text).digest();
}

function parseAttributes(raw: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const part of raw.split(',')) {
    const match = /^([A-Za-z])=(.*)$/s.exec(part);
    if (!match) throw scramError('malformed SCRAM message');
    if (attributes.has(match[1]!)) throw scramError(`repeated SCRAM attribute ${match[1]}`);
    attributes.set(match[1]!, match[2]!);
  }
  return attributes;
}

/** RFC 5802 saslname: `=` and `,` are escaped. */
function saslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

/**
 * PostgreSQL runs SASLprep (RFC 4013) over the password and keeps the raw
 * bytes when that fails. NFKC is SASLprep's normalization step; ASCII
 * passwords, by far the common case, are unchanged by either.
 */
function normalizePassword(password: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(password) ? password : password.normalize('NFKC');
}

function scramError(message: string): UpstreamAuthenticationError {
  return new UpstreamAuthenticationError(`SCRAM-SHA-256: ${message}`);
}

/**
 * What PostgreSQL stores for a SCRAM password
 * (`SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`): sent in
 * `CREATE ROLE … PASSWORD`, the server keeps it as is, so the password itself
 * never reaches the server, its statement log or pg_stat_statements.
 */
export function scramVerifier(password: string, salt = randomBytes(16), iterations = 4096): string {
  const saltedPassword = pbkdf2Sync(normalizePassword(password), salt, iterations, KEY_LENGTH, 'sha256');
  const storedKey = createHash('sha256').update(hmac(saltedPassword, 'Client Key')).digest();
  const serverKey = hmac(saltedPassword, 'Server Key');
  return `${SCRAM_SHA_256}$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
