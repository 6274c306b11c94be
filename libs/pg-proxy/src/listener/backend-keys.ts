import { randomInt } from 'node:crypto';
import { connect } from 'node:net';
import { frontend } from '../protocol/index.js';
import type { BackendKey } from '../protocol/backend-messages.js';

interface UpstreamCancelTarget {
  readonly host: string;
  readonly port: number;
  readonly key: BackendKey;
}

/**
 * Our own BackendKeyData per session, mapped to the upstream's. Clients get
 * our key, never the server's: with the server's key anyone reaching the
 * server could cancel the proxy's queries, and the key would reveal which
 * backend process serves the session.
 */
interface CancelTarget {
  readonly upstream: UpstreamCancelTarget | undefined;
  /** Cancels what the proxy itself holds (a statement paused for approval); true when there was one. */
  readonly local: (() => boolean) | undefined;
}

export class BackendKeys {
  private readonly sessions = new Map<string, CancelTarget>();

  issue(upstream: UpstreamCancelTarget | undefined, local?: () => boolean): BackendKey {
    for (;;) {
      const key = { processId: randomInt(1, 2 ** 31 - 1), secretKey: randomInt(-(2 ** 31), 2 ** 31 - 1) };
      const id = idOf(key);
      if (this.sessions.has(id)) continue;
      if (upstream || local) this.sessions.set(id, { upstream, local });
      return key;
    }
  }

  release(key: BackendKey): void {
    this.sessions.delete(idOf(key));
  }

  /**
   * Forwards a CancelRequest on a fresh upstream connection, as PostgreSQL
   * expects. An unknown key is dropped silently (the server does the same).
   */
  forwardCancel(key: BackendKey): boolean {
    const session = this.sessions.get(idOf(key));
    if (!session) return false;
    if (session.local?.()) return true;
    const target = session.upstream;
    if (!target) return false;
    const socket = connect(target.port, target.host);
    socket.on('error', () => undefined);
    socket.setTimeout(5_000, () => socket.destroy());
    socket.end(frontend.cancelRequest(target.key.processId, target.key.secretKey));
    return true;
  }
}

const idOf = (key: BackendKey): string => `${key.processId}:${key.secretKey}`;
