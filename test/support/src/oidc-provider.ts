import { createPrivateKey, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ProviderClaimsToken } from 'oidc-provider';

/** A registered OAuth client standing for a service principal (a CI job, an agent). */
export interface OidcServicePrincipal {
  clientId: string;
  clientSecret?: string;
  groups?: string[];
  roles?: string[];
  /** Further claims copied into every access token of this client (e.g. `tid`). */
  claims?: Record<string, unknown>;
}

export type OidcSigningAlgorithm = 'RS256' | 'ES256';

/** A person who signs in on the provider's login page (dev interactions: any password), e.g. an approver. */
export interface OidcUser {
  /** The login name typed on the page; becomes `sub`. */
  accountId: string;
  groups?: string[];
  /** Further claims copied into this person's access tokens (e.g. `tid`). */
  claims?: Record<string, unknown>;
}

/** A web application that signs people in with the authorization code flow and PKCE (the console). */
export interface OidcWebClient {
  clientId: string;
  /** Default: `secret-<clientId>`; `null` for a public client (no secret, PKCE only). */
  clientSecret?: string | null;
  redirectUris: string[];
}

export interface OidcProviderOptions {
  clients: OidcServicePrincipal[];
  /** People who can sign in on the login page (enables the provider's development login UI). */
  users?: OidcUser[];
  webClients?: OidcWebClient[];
  /** The resource indicator, which becomes the tokens' `aud`. */
  audience?: string;
  signingAlgorithm?: OidcSigningAlgorithm;
  accessTokenTtlSeconds?: number;
}

export interface OidcProvider extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`, with no trailing slash, exactly as the tokens' `iss`. */
  readonly issuer: string;
  readonly jwksUrl: string;
  readonly discoveryUrl: string;
  readonly audience: string;
  /** The `kid` currently used for signing. */
  readonly signingKid: string;
  /** How many times the JWKS document was served: shows caching and refetch limits. */
  readonly jwksRequests: number;
  /** Runs a real client-credentials grant against the token endpoint. */
  issueToken(clientId: string): Promise<string>;
  /**
   * Replaces the signing key. Without `keepPrevious` the old key leaves the
   * JWKS at once (the hard case for verifiers: the old `kid` is gone).
   */
  rotateSigningKey(options?: { keepPrevious?: boolean }): Promise<string>;
  /** Closes the listener so the JWKS endpoint refuses connections (an outage). */
  goOffline(): Promise<void>;
  goOnline(): Promise<void>;
  stop(): Promise<void>;
}

type PrivateJwk = Record<string, unknown> & { kid: string };

/** The little of oidc-provider's request context that loadExistingGrant reads. */
interface GrantContext {
  oidc: {
    result?: { consent?: { grantId?: string } };
    session: { accountId: string; grantIdFor(clientId: string): string | undefined };
    client: { clientId: string };
    provider: {
      Grant: {
        new (init: { clientId: string; accountId: string }): {
          addOIDCScope(scope: string): void;
          addResourceScope(resource: string, scope: string): void;
          save(): Promise<string>;
        };
        find(id: string): Promise<unknown>;
      };
    };
  };
}

/**
 * Starts a real `oidc-provider` on 127.0.0.1 that issues client-credentials
 * access tokens in JWT format (RFC 9068, via resource indicators), with
 * `groups` and `roles` claims per client.
 */
export async function startOidcProvider(options: OidcProviderOptions): Promise<OidcProvider> {
  // Loaded on demand: every test imports this package, and oidc-provider is heavy
  // (and prints a runtime warning on Node 20) for the few that need it.
  const { default: Provider } = await import('oidc-provider');
  const audience = options.audience ?? 'api://portcullis';
  const alg = options.signingAlgorithm ?? 'RS256';
  const clients = options.clients.map((c) => ({
    ...c,
    clientSecret: c.clientSecret ?? `secret-${c.clientId}`,
  }));
  const byId = new Map(clients.map((c) => [c.clientId, c]));
  const users = new Map((options.users ?? []).map((u) => [u.accountId, u]));
  const webClients = options.webClients ?? [];
  let keys: PrivateJwk[] = [signingKey(alg)];
  let jwksRequests = 0;

  const server = createServer();
  await listen(server, 0);
  const port = (server.address() as { port: number }).port;
  const issuer = `http://127.0.0.1:${port}`;

  // The provider reads its keys once at construction, so a rotation builds a
  // new provider and swaps it in behind the same listener and issuer, just
  // as a real deployment restarts with a new key set.
  let handle = buildProvider();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/jwks')) jwksRequests += 1;
    handle(req, res);
  });

  function buildProvider(): (req: IncomingMessage, res: ServerResponse) => void {
    const provider = new Provider(issuer, {
      clients: [
        ...clients.map((c) => ({
          client_id: c.clientId,
          client_secret: c.clientSecret,
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
          token_endpoint_auth_method: 'client_secret_basic',
          // The default (RS256) needs an RSA key even for clients that never get an ID token.
          id_token_signed_response_alg: alg,
        })),
        ...webClients.map((c) => ({
          client_id: c.clientId,
          ...(c.clientSecret === null
            ? { token_endpoint_auth_method: 'none' }
            : {
                client_secret: c.clientSecret ?? `secret-${c.clientId}`,
                token_endpoint_auth_method: 'client_secret_basic',
              }),
          grant_types: ['authorization_code'],
          response_types: ['code'],
          redirect_uris: c.redirectUris,
          id_token_signed_response_alg: alg,
        })),
      ],
      // Web clients here are first-party: a grant of what they ask is made at once (no consent page).
      loadExistingGrant: async (ctx: GrantContext) => {
        const grantId =
          ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
        if (grantId) return ctx.oidc.provider.Grant.find(grantId);
        const grant = new ctx.oidc.provider.Grant({
          clientId: ctx.oidc.client.clientId,
          accountId: ctx.oidc.session.accountId,
        });
        grant.addOIDCScope('openid profile email');
        grant.addResourceScope(audience, 'connect');
        await grant.save();
        return grant;
      },
      jwks: { keys },
      adapter: memoryAdapter(),
      cookies: { keys: [randomBytes(16).toString('hex')] },
      ttl: {
        ClientCredentials: options.accessTokenTtlSeconds ?? 600,
        // Set rather than defaulted: the provider warns about each default it computes.
        AccessToken: options.accessTokenTtlSeconds ?? 600,
        IdToken: 600,
        Interaction: 600,
        Session: 3600,
        Grant: 3600,
        AuthorizationCode: 60,
      },
      findAccount: (_ctx: unknown, accountId: string) => ({
        accountId,
        claims: () => ({ sub: accountId }),
      }),
      features: {
        devInteractions: { enabled: webClients.length > 0 },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => audience,
          useGrantedResource: () => true,
          getResourceServerInfo: () => ({
            audience,
            scope: 'connect',
            accessTokenFormat: 'jwt',
            accessTokenTTL: options.accessTokenTtlSeconds ?? 600,
            jwt: { sign: { alg } },
          }),
        },
      },
      extraTokenClaims: (_ctx: unknown, token: ProviderClaimsToken) => {
        const user = token.accountId === undefined ? undefined : users.get(token.accountId);
        if (user !== undefined) return { groups: user.groups ?? [], roles: [], ...user.claims };
        const client = token.clientId === undefined ? undefined : byId.get(token.clientId);
        if (client === undefined) return undefined;
        return { groups: client.groups ?? [], roles: client.roles ?? [], ...client.claims };
      },
    });
    // The provider reports its own errors on events; keep test output quiet.
    provider.on('server_error', () => undefined);
    return provider.callback();
  }

  async function issueToken(clientId: string): Promise<string> {
    const client = byId.get(clientId);
    if (client === undefined) throw new Error(`no client "${clientId}" registered with the test provider`);
    const response = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${clientId}:${client.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: audience }),
    });
    const body = (await response.json()) as {
      access_token?: string;
      error?: string;
      error_description?: string;
    };
    if (!response.ok || typeof body.access_token !== 'string') {
      throw new Error(
        `token request failed: HTTP ${response.status} ${body.error}: ${body.error_description}`,
      );
    }
    return body.access_token;
  }

  async function rotateSigningKey(rotation: { keepPrevious?: boolean } = {}): Promise<string> {
    const next = signingKey(alg);
    keys = rotation.keepPrevious ? [next, ...keys] : [next];
    handle = buildProvider();
    return next.kid;
  }

  let online = true;
  async function goOffline(): Promise<void> {
    if (!online) return;
    online = false;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  async function goOnline(): Promise<void> {
    if (online) return;
    await listen(server, port);
    online = true;
  }
  const stop = goOffline;

  return {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    discoveryUrl: `${issuer}/.well-known/openid-configuration`,
    audience,
    get signingKid() {
      return keys[0]!.kid;
    },
    get jwksRequests() {
      return jwksRequests;
    },
    issueToken,
    rotateSigningKey,
    goOffline,
    goOnline,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/**
 * The provider's own in-memory adapter is shared by every instance in the
 * process and warns on each start; a Map per provider keeps tests apart.
 */
function memoryAdapter(): new (name: string) => object {
  const store = new Map<string, Record<string, unknown>>();
  return class {
    constructor(private readonly name: string) {}
    async upsert(id: string, payload: Record<string, unknown>) {
      store.set(`${this.name}:${id}`, payload);
    }
    async find(id: string) {
      return store.get(`${this.name}:${id}`);
    }
    async findByUid(uid: string) {
      return [...store.values()].find((payload) => payload.uid === uid);
    }
    async findByUserCode(code: string) {
      return [...store.values()].find((payload) => payload.userCode === code);
    }
    async consume(id: string) {
      const payload = store.get(`${this.name}:${id}`);
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      store.delete(`${this.name}:${id}`);
    }
    async revokeByGrantId(grantId: string) {
      for (const [key, payload] of store) if (payload.grantId === grantId) store.delete(key);
    }
  };
}

function signingKey(alg: OidcSigningAlgorithm): PrivateJwk {
  // Generated as PEM and exported from a fresh KeyObject: exporting the generated KeyObject as a JWK
  // can deadlock Node 20 (a GC during the export runs the key generation job's destructor, which
  // waits for the mutex the export holds). A CI run sat 87 minutes in it.
  const pem = { privateKeyEncoding: { type: 'pkcs8', format: 'pem' } } as const;
  const publicKeyEncoding = { type: 'spki', format: 'pem' } as const;
  const { privateKey } =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256', publicKeyEncoding, ...pem })
      : generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding, ...pem });
  return { ...createPrivateKey(privateKey).export({ format: 'jwk' }), kid: randomUUID(), alg, use: 'sig' };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}
