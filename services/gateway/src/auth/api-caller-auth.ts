import { Inject, Injectable } from '@nestjs/common';
import type { Decider } from '@portcullis/session';
import { ErrorCode, PortcullisError } from '@portcullis/events';
import type { TokenVerifier } from '@portcullis/identity';
import type { Logger } from 'pino';
import { LOGGER, TOKEN_VERIFIER } from '../tokens.js';

/** A verified API caller, and when its token stops being valid (ms since the epoch, when it says). */
export interface VerifiedCaller {
  readonly caller: Decider;
  readonly expiresAtMs: number | undefined;
  /** The token's tenant, when its issuer has one (Entra `tid`). */
  readonly tenantId?: string;
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
  ) {}

  async authenticate(authorization: string | undefined): Promise<Decider> {
    return (await this.verify(authorization)).caller;
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
      ...(identity.tenant_id ? { tenantId: identity.tenant_id } : {}),
    };
  }
}

const unauthenticated = (message: string) => new PortcullisError(ErrorCode.Unauthenticated, message);
