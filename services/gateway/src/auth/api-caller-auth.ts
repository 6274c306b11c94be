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
  /** The token's tenant, when its issuer has one (Entra `tid`). */
  readonly tenantId?: string;
}

/** A role of API callers granted by token groups from the config (`api.auditorGroups`, `api.adminGroups`). */
export interface CallerRole {
  /**
   * `auditor`, `admin`: the refusal reasons are `no_<name>_groups` and
   * `not_an_<name>`; for a route open to several roles, the names joined by
   * `_or_` (`no_auditor_or_admin_groups`, `not_an_auditor_or_admin`).
   */
  readonly name: 'auditor' | 'admin';
  /** The config key that lists the groups, for the caller's error message. */
  readonly configKey: string;
  /** What is closed when no group is configured, e.g. `the event stream`. */
  readonly what: string;
  readonly groups: readonly string[];
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

  /** A verified caller in `api.auditorGroups` (the event stream, the compliance read models); `what` names the resource. */
  verifyAuditor(authorization: string | undefined, what: string): Promise<VerifiedCaller> {
    return this.verifyMember(authorization, this.auditorRole(what));
  }

  /** Auditors: callers whose token's groups include one of `api.auditorGroups` (none by default). */
  auditorRole(what: string): CallerRole {
    return { name: 'auditor', configKey: 'api.auditorGroups', what, groups: this.config.api.auditorGroups };
  }

  /**
   * A verified caller whose token's groups include one of `role.groups`.
   * No group configured: 403 `no_<role>_groups` (nobody has the role); a
   * caller outside them: 403 `not_an_<role>`, logged with who it was.
   */
  verifyMember(authorization: string | undefined, role: CallerRole): Promise<VerifiedCaller> {
    return this.verifyMemberOfAny(authorization, [role], role.what);
  }

  /**
   * A verified caller who has at least one of `roles` (e.g. auditors or
   * admins); `what` names the resource. The refusals name every role and
   * config key: 403 `no_auditor_or_admin_groups` when none of them lists a
   * group, `not_an_auditor_or_admin` for a caller in none of them.
   */
  async verifyMemberOfAny(
    authorization: string | undefined,
    roles: readonly [CallerRole, ...CallerRole[]],
    what: string,
  ): Promise<VerifiedCaller> {
    const verified = await this.verify(authorization);
    const { caller } = verified;
    const refusal = roleRefusal(caller.groups, roles, what);
    if (refusal) {
      if (String(refusal.details.reason).startsWith('not_an_')) {
        this.log.warn(
          { subject: caller.subject, issuer: caller.issuer, role: roles.map((r) => r.name).join(' or ') },
          'API: caller lacks the role',
        );
      }
      throw refusal;
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
      ...(identity.tenant_id ? { tenantId: identity.tenant_id } : {}),
    };
  }
}

/**
 * The one group rule for a role (the REST API's and the console's): the
 * refusal when `groups` hold none of `roles`' groups, else undefined.
 * No group configured for any of them: `no_<roles>_groups` (nobody has
 * the role); groups outside them: `not_an_<roles>`. Names join with
 * `_or_` (`not_an_auditor_or_admin`); the message names the config keys.
 */
export function roleRefusal(
  groups: readonly string[],
  roles: readonly [CallerRole, ...CallerRole[]],
  what: string,
): PortcullisError | undefined {
  const names = roles.map((r) => r.name).join('_or_');
  const spoken = roles.map((r) => r.name).join(' or ');
  const keys = roles.map((r) => r.configKey);
  if (roles.every((r) => r.groups.length === 0)) {
    return new PortcullisError(
      ErrorCode.Forbidden,
      `${what} is closed: no ${spoken} group is configured (${keys.join(', ')})`,
      { details: { reason: `no_${names}_groups` } },
    );
  }
  if (!roles.some((r) => groups.some((g) => r.groups.includes(g)))) {
    return new PortcullisError(
      ErrorCode.Forbidden,
      `not an ${spoken}: none of the token's groups is in ${keys.join(' or ')}`,
      { details: { reason: `not_an_${names}` } },
    );
  }
  return undefined;
}

const unauthenticated = (message: string) => new PortcullisError(ErrorCode.Unauthenticated, message);
