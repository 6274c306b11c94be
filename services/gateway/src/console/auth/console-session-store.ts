import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { ConsoleSession, ConsoleUser } from './console-user.js';

/** A sign-in started at the provider and not yet come back: what the callback must match. */
export interface PendingSignIn {
  readonly issuerIndex: number;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  /** Where to go once signed in (a console path). */
  readonly returnTo: string;
  readonly expiresAtMs: number;
}

/** A sign-in must come back within this time. */
const SIGN_IN_TTL_MS = 10 * 60_000;
/** Bounds, so a flood of sign-in starts cannot grow memory without end. */
const MAX_PENDING = 10_000;
const MAX_SESSIONS = 10_000;

const newId = () => randomBytes(32).toString('base64url');

/**
 * Console sessions in this process's memory: the cookie holds only a
 * random id. Kept in memory on purpose for the first slice: a restart
 * signs everyone out, and behind a load balancer each instance needs
 * sticky sessions (or sign-in again). Both are said in docs/operations.md.
 */
@Injectable()
export class ConsoleSessionStore {
  private readonly sessions = new Map<string, ConsoleSession>();
  private readonly pending = new Map<string, PendingSignIn>();

  create(user: ConsoleUser, expiresAtMs: number): ConsoleSession {
    this.sweep();
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    const session: ConsoleSession = { id: newId(), user, csrfToken: newId(), expiresAtMs, flash: undefined };
    this.sessions.set(session.id, session);
    return session;
  }

  get(id: string | undefined, now = Date.now()): ConsoleSession | undefined {
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (session && session.expiresAtMs <= now) {
      this.sessions.delete(id);
      return undefined;
    }
    return session;
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }

  /** Remembers a sign-in in flight under a new random id (the value of a short-lived cookie). */
  beginSignIn(signIn: Omit<PendingSignIn, 'expiresAtMs'>): string {
    this.sweep();
    if (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value!);
    const id = newId();
    this.pending.set(id, { ...signIn, expiresAtMs: Date.now() + SIGN_IN_TTL_MS });
    return id;
  }

  /** Takes (and forgets) a sign-in in flight: each can finish once. */
  takeSignIn(id: string | undefined): PendingSignIn | undefined {
    if (!id) return undefined;
    const signIn = this.pending.get(id);
    this.pending.delete(id);
    return signIn && signIn.expiresAtMs > Date.now() ? signIn : undefined;
  }

  private sweep(now = Date.now()): void {
    for (const [id, s] of this.sessions) if (s.expiresAtMs <= now) this.sessions.delete(id);
    for (const [id, p] of this.pending) if (p.expiresAtMs <= now) this.pending.delete(id);
  }
}
