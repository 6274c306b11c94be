import type { Identity as RecordedIdentity } from '@portcullis/events';

/**
 * Who a verified token says the caller is, as docs/architecture.md fixes it. Field
 * names are snake_case because this object is the policy input's `identity`
 * as is (and matches `IdentitySchema` of @portcullis/events).
 */
export interface Identity {
  /** Stable id of the principal: Entra `oid`, otherwise the configured subject claim. */
  subject: string;
  issuer: string;
  /** The OAuth client that obtained the token (Entra `azp`/`appid`, RFC 9068 `client_id`). */
  app_id: string;
  kind: IdentityKind;
  groups: string[];
  roles: string[];
  tenant_id?: string;
}

export type IdentityKind = 'service_principal' | 'user' | 'unknown';

// Compile-time guard: what we produce must fit the identity that
// `SessionOpened` records, or this line stops compiling.
type FitsTheEventCatalog = Identity extends RecordedIdentity ? true : never;
const _fitsTheEventCatalog: FitsTheEventCatalog = true;
