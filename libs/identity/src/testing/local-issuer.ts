import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
  type KeyObject,
} from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { exportJWK, SignJWT, type JWK } from 'jose';

/**
 * A token issuer for tests that need to sign what no real provider would
 * issue (expired, wrong audience, Entra-shaped claims): real keys, a real
 * JWKS over HTTP on loopback. The `iss` inside the tokens is whatever the
 * test writes; only the keys come from here.
 */
export interface LocalIssuer {
  readonly jwksUrl: string;
  readonly alg: 'RS256' | 'ES256';
  readonly kid: string;
  readonly publicJwk: JWK;
  readonly privateKey: KeyObject;
  readonly jwksRequests: number;
  sign(claims: Record<string, unknown>, header?: Record<string, unknown>): Promise<string>;
  /** New signing key; the old one leaves the JWKS. */
  rotate(): Promise<string>;
  /** While down, the JWKS endpoint answers 503. */
  setDown(down: boolean): void;
  stop(): Promise<void>;
}

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: JWK;
}

export async function startLocalIssuer(alg: 'RS256' | 'ES256' = 'RS256'): Promise<LocalIssuer> {
  let key = await newKey(alg);
  let down = false;
  let jwksRequests = 0;
  const server = createServer((req, res) => {
    if (req.url !== '/jwks') {
      res.writeHead(404).end();
      return;
    }
    jwksRequests += 1;
    if (down) {
      res.writeHead(503).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [key.publicJwk] }));
  });
  const port = await listen(server);
  return {
    jwksUrl: `http://127.0.0.1:${port}/jwks`,
    alg,
    get kid() {
      return key.kid;
    },
    get publicJwk() {
      return key.publicJwk;
    },
    get privateKey() {
      return key.privateKey;
    },
    get jwksRequests() {
      return jwksRequests;
    },
    sign: (claims, header = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg, kid: key.kid, typ: 'JWT', ...header })
        .sign(key.privateKey),
    async rotate() {
      key = await newKey(alg);
      return key.kid;
    },
    setDown(value) {
      down = value;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A key pair of our own, for "signed by another key" and attacker-controlled JWKS. */
export async function newKey(alg: 'RS256' | 'ES256', kid: string = randomUUID()): Promise<SigningKey> {
  // As PEM, then fresh KeyObjects: exporting a just-generated key as a JWK can deadlock Node 20
  // (a GC during the export runs the generation job's destructor, which waits for the export's mutex).
  const pair =
    alg === 'ES256'
      ? generateKeyPairSync('ec', {
          namedCurve: 'P-256',
          publicKeyEncoding: { type: 'spki', format: 'pem' },
          privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
        })
      : generateKeyPairSync('rsa', {
          modulusLength: 2048,
          publicKeyEncoding: { type: 'spki', format: 'pem' },
          privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
        });
  const publicJwk = await exportJWK(createPublicKey(pair.publicKey));
  return {
    kid,
    privateKey: createPrivateKey(pair.privateKey),
    publicJwk: { ...publicJwk, kid, alg, use: 'sig' },
  };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
}
