import { readFile } from 'node:fs/promises';
import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode, PortcullisError } from '@portcullis/events';
import * as oidc from 'openid-client';
import type { Logger } from 'pino';
import { ApiCallerAuth } from '../../auth/api-caller-auth.js';
import type { ConsoleConfig, ConsoleIssuerConfig, GatewayConfig } from '../../config/gateway-config.js';
import { GATEWAY_CONFIG, LOGGER } from '../../tokens.js';
import { consoleAdminRole, consoleAuditorRole, hasRole } from './console-roles.js';
import { ConsoleSessionStore, type PendingSignIn } from './console-session-store.js';
import type { ConsoleSession, ConsoleUser } from './console-user.js';

/** A failed sign-in: the person sees that it failed; the log says why. */
export class SignInFailedError extends PortcullisError {
  constructor(readonly why: string) {
    super(ErrorCode.Unauthenticated, 'sign-in failed');
  }
}

/**
 * Sign-in with the organisation's OIDC provider: authorization code flow
 * with PKCE (S256), state and nonce, through `openid-client`. What the
 * person is comes from the access token the code is exchanged for,
 * verified by the gateway's own token verifier (ApiCallerAuth), so the
 * console's caller is exactly the identity a bearer-token API call with
 * that token would be, and the approval rules see the same subject,
 * issuer, app id and groups on every path.
 */
@Injectable()
export class ConsoleSignIn {
  private readonly discovered = new Map<number, Promise<oidc.Configuration>>();
  private readonly console: ConsoleConfig | undefined;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly auth: ApiCallerAuth,
    private readonly sessions: ConsoleSessionStore,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    this.console = config.console;
  }

  get issuers(): readonly ConsoleIssuerConfig[] {
    return this.console?.issuers ?? [];
  }

  /** The provider's authorization URL, and the id of the sign-in in flight (for a cookie). */
  async start(issuerIndex: number, returnTo: string): Promise<{ url: URL; signInId: string }> {
    const issuer = this.issuer(issuerIndex);
    const configuration = await this.configuration(issuerIndex);
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: issuer.redirectUri,
      scope: issuer.scope,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...(issuer.resource ? { resource: issuer.resource } : {}),
    });
    const signInId = this.sessions.beginSignIn({ issuerIndex, state, nonce, codeVerifier, returnTo });
    return { url, signInId };
  }

  /** Exchanges the code (checking state, nonce and PKCE), verifies the access token, opens a console session. */
  async finish(signIn: PendingSignIn, callbackPathAndQuery: string): Promise<ConsoleSession> {
    const issuer = this.issuer(signIn.issuerIndex);
    const configuration = await this.configuration(signIn.issuerIndex);
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(
        configuration,
        new URL(callbackPathAndQuery, issuer.redirectUri),
        {
          pkceCodeVerifier: signIn.codeVerifier,
          expectedState: signIn.state,
          expectedNonce: signIn.nonce,
          idTokenExpected: true,
        },
        issuer.resource ? { resource: issuer.resource } : undefined,
      );
    } catch (error) {
      throw new SignInFailedError(`the code exchange failed: ${(error as Error).message}`);
    }
    let verified: Awaited<ReturnType<ApiCallerAuth['verify']>>;
    try {
      verified = await this.auth.verify(`Bearer ${tokens.access_token}`);
    } catch {
      throw new SignInFailedError(
        `the access token from ${issuer.issuer} does not verify as an API token (check the issuer's audiences and the console scope or resource)`,
      );
    }
    if (verified.caller.issuer !== issuer.issuer) {
      throw new SignInFailedError(
        `the access token names issuer ${verified.caller.issuer}, not ${issuer.issuer}`,
      );
    }
    const claims: Record<string, unknown> = tokens.claims() ?? {};
    const display = [claims.name, claims.preferred_username, claims.email].find(
      (v): v is string => typeof v === 'string' && v.length > 0,
    );
    const groups = verified.caller.groups;
    const roles = this.console!;
    const user: ConsoleUser = {
      caller: verified.caller,
      name: display ?? verified.caller.subject,
      tenantId: verified.tenantId,
      // Read once here; each route checks its own roles again (console-roles.ts).
      admin: hasRole(groups, [consoleAdminRole(roles, 'the console')]),
      auditor: hasRole(groups, [consoleAuditorRole(roles, 'the console')]),
    };
    // A sign-in lasts as long as its access token proves its holder, and never longer than the TTL.
    const ttlEnd = Date.now() + roles.sessionTtlSeconds * 1000;
    const expiresAtMs = Math.min(ttlEnd, verified.expiresAtMs ?? ttlEnd);
    this.log.info(
      { subject: user.caller.subject, issuer: user.caller.issuer, admin: user.admin, auditor: user.auditor },
      'console: signed in',
    );
    return this.sessions.create(user, expiresAtMs);
  }

  private issuer(index: number): ConsoleIssuerConfig {
    const issuer = this.issuers[index];
    if (!issuer) throw new PortcullisError(ErrorCode.NotFound, 'no such sign-in provider');
    return issuer;
  }

  /** Discovery once per issuer (again after a failure, so an outage at start-up is not sticky). */
  private configuration(index: number): Promise<oidc.Configuration> {
    let found = this.discovered.get(index);
    if (!found) {
      found = this.discover(this.issuer(index));
      found.catch(() => this.discovered.delete(index));
      this.discovered.set(index, found);
    }
    return found;
  }

  private async discover(issuer: ConsoleIssuerConfig): Promise<oidc.Configuration> {
    const secret = issuer.clientSecretFile
      ? (await readFile(issuer.clientSecretFile, 'utf8')).trim()
      : issuer.clientSecret;
    // Config validation allows plain http only on loopback (a provider on the same host, tests).
    const insecure = new URL(issuer.issuer).protocol === 'http:';
    try {
      return await oidc.discovery(
        new URL(issuer.issuer),
        issuer.clientId,
        undefined,
        secret ? oidc.ClientSecretBasic(secret) : oidc.None(),
        insecure ? { execute: [oidc.allowInsecureRequests] } : undefined,
      );
    } catch (error) {
      this.log.error({ issuer: issuer.issuer, err: error }, 'console: OIDC discovery failed');
      throw new PortcullisError(
        ErrorCode.Unavailable,
        `the sign-in provider ${issuer.name} cannot be reached`,
      );
    }
  }
}
