/**
 * The development token issuer of the demo (`npm start` with no config): an
 * ES256 key kept in the data directory, published as OIDC discovery and
 * JWKS under the gateway API (`/dev-issuer`, loopback only), and
 * `portcullis token --dev` to sign access tokens with it. For trying the
 * gateway on one machine; `serve --config` never starts it, and a gateway
 * configured with real issuers does not trust it.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportJWK, importJWK, SignJWT, type JWK } from 'jose';
import { ValidationError } from '@portcullis/events';

export const DEV_AUDIENCE = 'api://portcullis-demo';
const FILE = 'dev-issuer.json';

export interface DevIssuer {
  /** `iss` of its tokens: http://127.0.0.1:<api port>/dev-issuer. */
  readonly issuer: string;
  readonly audience: string;
  readonly publicJwk: JWK & { kid: string };
  readonly privateJwk: JWK & { kid: string };
}

/** The issuer kept in `dataDir` (created on first use); `issuer` given: it is recorded as the new URL. */
export async function openDevIssuer(dataDir: string, issuer?: string): Promise<DevIssuer> {
  const file = join(dataDir, FILE);
  let stored: DevIssuer | undefined;
  try {
    stored = JSON.parse(await readFile(file, 'utf8')) as DevIssuer;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (stored && (issuer === undefined || stored.issuer === issuer)) return stored;
  if (!stored && issuer === undefined) {
    throw new ValidationError(
      `no development issuer in ${dataDir}: start the demo first (npm start), or pass --data-dir`,
    );
  }
  let keys = stored ? { publicJwk: stored.publicJwk, privateJwk: stored.privateJwk } : undefined;
  if (!keys) {
    // As PEM, then exported from fresh KeyObjects: exporting a generated key as a JWK can deadlock
    // Node 20 (a GC during the export runs the generation job's destructor, which waits for the
    // mutex the export holds).
    const pair = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const kid = randomUUID();
    keys = {
      publicJwk: { ...(await exportJWK(createPublicKey(pair.publicKey))), kid, alg: 'ES256', use: 'sig' },
      privateJwk: { ...(await exportJWK(createPrivateKey(pair.privateKey))), kid, alg: 'ES256' },
    };
  }
  const next: DevIssuer = { issuer: issuer!, audience: DEV_AUDIENCE, ...keys };
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  return next;
}

export interface DevTokenRequest {
  /** The application (client) id; also the subject. */
  readonly app: string;
  readonly groups?: readonly string[];
  readonly roles?: readonly string[];
  readonly ttlSeconds?: number;
}

/** A client-credentials-style access token of the development issuer. */
export async function devToken(dev: DevIssuer, request: DevTokenRequest): Promise<string> {
  const key = await importJWK(dev.privateJwk, 'ES256');
  return new SignJWT({
    client_id: request.app,
    azp: request.app,
    groups: [...(request.groups ?? [])],
    roles: [...(request.roles ?? [])],
  })
    .setProtectedHeader({ alg: 'ES256', kid: dev.privateJwk.kid, typ: 'at+jwt' })
    .setIssuer(dev.issuer)
    .setAudience(dev.audience)
    .setSubject(request.app)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime(`${request.ttlSeconds ?? 3600}s`)
    .sign(key);
}

/** The discovery document and JWKS the gateway serves for it. */
export function devIssuerDocuments(dev: DevIssuer) {
  return {
    discovery: {
      issuer: dev.issuer,
      jwks_uri: `${dev.issuer}/jwks`,
      id_token_signing_alg_values_supported: ['ES256'],
    },
    jwks: { keys: [dev.publicJwk] },
  };
}
