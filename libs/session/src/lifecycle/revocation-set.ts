import type { Identity, Operator, RevocationEvent, RevokedIdentity } from '@portcullis/events';

/** One identity revocation in force (until lifted, or until `expiresAt`). */
export interface Revocation {
  readonly revocationId: string;
  readonly identity: RevokedIdentity;
  readonly reason: string;
  readonly revokedBy: Operator;
  readonly revokedAt: Date;
  readonly expiresAt?: Date;
}

/** The identity fields a revocation matches on. */
export type RevocableIdentity = Pick<Identity, 'issuer' | 'subject' | 'app_id'>;

/** Does `revocation` cut off `identity` at `now`? issuer + subject match exactly; an app id matches whatever the issuer. */
export function revokes(revocation: Revocation, identity: RevocableIdentity, now: Date): boolean {
  if (revocation.expiresAt && revocation.expiresAt.getTime() <= now.getTime()) return false;
  const who = revocation.identity;
  if ('appId' in who) return identity.app_id !== undefined && identity.app_id === who.appId;
  return who.issuer === identity.issuer && who.subject === identity.subject;
}

/**
 * The revocations in force, folded from the `revocation-<id>` streams. Pure:
 * the store-following owner (access-lifecycle.ts) feeds it events in order.
 */
export class RevocationSet {
  private readonly active = new Map<string, Revocation>();

  /** Folds one event; returns the revocation it put in force (IdentityRevoked), if any. */
  apply(event: RevocationEvent, recordedAt: Date): Revocation | undefined {
    switch (event.type) {
      case 'IdentityRevoked': {
        const { data } = event;
        const revocation: Revocation = {
          revocationId: data.revocationId,
          identity: data.identity,
          reason: data.reason,
          revokedBy: data.revokedBy,
          revokedAt: recordedAt,
          ...(data.expiresAt ? { expiresAt: new Date(data.expiresAt) } : {}),
        };
        this.active.set(data.revocationId, revocation);
        return revocation;
      }
      case 'IdentityRevocationLifted':
        this.active.delete(event.data.revocationId);
        return undefined;
    }
  }

  /** The first revocation in force that cuts off `identity`. */
  matching(identity: RevocableIdentity, now: Date): Revocation | undefined {
    for (const revocation of this.active.values()) if (revokes(revocation, identity, now)) return revocation;
    return undefined;
  }

  /** Every revocation in force at `now`, oldest first; expired ones are forgotten. */
  list(now: Date): Revocation[] {
    for (const [id, r] of this.active)
      if (r.expiresAt && r.expiresAt.getTime() <= now.getTime()) this.active.delete(id);
    return [...this.active.values()];
  }
}
