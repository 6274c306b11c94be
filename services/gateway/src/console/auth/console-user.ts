import type { Decider } from '@portcullis/session';

/**
 * Who is signed in to the console: the identity the gateway's token
 * verifier made of the access token got at sign-in (the same mapping the
 * API and the proxies use), and the console roles its groups give.
 * Approver rights are not a role here: they belong to each request
 * (its policy's approver groups) and are decided by the approval itself.
 */
export interface ConsoleUser {
  readonly caller: Decider;
  /** For the page header: a display name from the ID token, else the subject. */
  readonly name: string;
  readonly tenantId: string | undefined;
  readonly admin: boolean;
  readonly auditor: boolean;
}

/** One notice shown once, on the page a form redirected to (post/redirect/get). */
export interface ConsoleFlash {
  readonly kind: 'ok' | 'refused';
  readonly text: string;
  readonly approvalId?: string;
}

export interface ConsoleSession {
  readonly id: string;
  readonly user: ConsoleUser;
  /** The synchronizer token every state-changing request must carry (form field or header). */
  readonly csrfToken: string;
  readonly expiresAtMs: number;
  flash: ConsoleFlash | undefined;
}
