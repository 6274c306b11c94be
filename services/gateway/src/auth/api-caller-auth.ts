import { Inject, Injectable } from '@nestjs/common';
import type { Decider } from '@portcullis/session';
import { ErrorCode, PortcullisError } from '@portcullis/events';
import type { TokenVerifier } from '@portcullis/identity';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/gateway-config.js';
import { GATEWAY_CONFIG, LOGGER, TOKEN_VERIFIER } from '../tokens.js';

/** A verified API caller, and when its token stops being valid (ms since the epoch, when it says). */
export interface VerifiedCaller {
  readonly caller: Decider;
  readonly expiresAtMs: number | undefined;
}

/**
 * Callers of the REST API (approvers, auditors) authenticate with an OIDC
 * access token (`Authorization: Bearer …`), verified exactly as the proxies
 * verify clients' tokens. As on the wire, the caller learns only that
 * authentication failed; the reason is logged (never the token). What a
 * caller may do (approver groups, auditor groups) is decided by each route.
 */
@Injectable()
export class ApiCallerAuth {
  constructor(
    @Inject(TOKEN_VERIFIER) private readonly tokens: TokenVerifier | null,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async authenticate(authorization: string | undefined): Promise<Decider> {
    return (await this.verify(authorization)).caller;
  }

  /**
   * A verified caller who is an auditor: one of the token's groups is in
   * `api.auditorGroups` (the event stream, the compliance read models).
   * 401 without a valid token; 403 with `reason` no_auditor_groups or
   * not_an_auditor otherwise. `what` names the resource in the refusal.
   */
  async verifyAuditor(authorization: string | undefined, what: string): Promise<VerifiedCaller> {
    const verified = await this.verify(authorization);
    const auditorGroups = this.config.api.auditorGroups;
    if (auditorGroups.length === 0) {
      throw new PortcullisError(
        ErrorCode.Forbidden,
        `${what} is closed: no auditor group is configured (api.auditorGroups)`,
        { details: { reason: 'no_auditor_groups' } },
      );
    }
    const { caller } = verified;
    if (!caller.groups.some((g) => auditorGroups.includes(g))) {
      this.log.warn(
        { subject: caller.subject, issuer: caller.issuer, what },
        'API: caller is not an auditor',
      );
      throw new PortcullisError(
        ErrorCode.Forbidden,
        "not an auditor: none of the token's groups is in api.auditorGroups",
        { details: { reason: 'not_an_auditor' } },
      );
    }
    return verified;
  }

  async verify(authorization: string | undefined): Promise<VerifiedCaller> {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (!token) throw unauthenticated('an OIDC access token is required (Authorization: Bearer …)');
    if (!this.tokens) throw unauthenticated('no OIDC issuer is configured: no token can be accepted');
    const verified = await this.tokens.verify(token);
    if (!verified.ok) {
      this.log.warn({ reason: verified.reason, detail: verified.detail }, 'API: token refused');
      throw unauthenticated('authentication failed');
    }
    const { identity } = verified;
    const exp = verified.claims.exp;
    return {
      caller: {
        subject: identity.subject,
        issuer: identity.issuer,
        groups: identity.groups,
        ...(identity.app_id ? { app_id: identity.app_id } : {}),
      },
      expiresAtMs: typeof exp === 'number' ? exp * 1000 : undefined,
    };
  }
}

const unauthenticated = (message: string) => new PortcullisError(ErrorCode.Unauthenticated, message);
