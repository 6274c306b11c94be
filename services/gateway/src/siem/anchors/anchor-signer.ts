import {
  anchorStream,
  formatPosition,
  parsePosition,
  toNewEvent,
  type AuditAnchorSignedData,
  type Position,
} from '@portcullis/events';
import type { EventStore, EventSubscription } from '@portcullis/eventstore';
import type { Logger } from 'pino';
import { loadOrCreateAnchorKey, type AnchorKey } from './anchor-key.js';
import {
  anchorDigest,
  anchorSignatureValid,
  FIRST_ANCHOR_PREVIOUS,
  keyIdOf,
  signAnchor,
} from './anchor-signature.js';
import { HeadsFold } from './heads-fold.js';

/** A store that does not answer does not hold a gateway's shutdown for its last anchor longer than this. */
const STOP_SIGN_MS = 5_000;

export interface AnchorOptions {
  readonly instance: string;
  readonly keyFile: string;
  /** Sign once this many events (other than anchors) arrived since the last anchor. */
  readonly everyEvents: number;
  /** …or this long after the last anchor, when any did. */
  readonly everySeconds: number;
}

export interface AnchorStatus {
  readonly sequence: number;
  readonly lastSignedAt: string | undefined;
  readonly keyId: string | undefined;
  readonly pendingEvents: number;
}

/**
 * Folds `$all` into a digest of every stream head and, every N events or T
 * seconds, appends it signed (AuditAnchorSigned) to this instance's anchor
 * stream, from where the forwarders carry it off the machine. Off the data
 * path: it reads the store like any subscriber. Resumes from its last
 * anchor (when that anchor's signature is its own key's), else folds from
 * the start.
 */
export class AnchorSigner {
  private key: AnchorKey | undefined;
  private fold: HeadsFold | undefined;
  private asOf: Position | undefined;
  private pending = 0;
  private sequence = 0;
  private previous = FIRST_ANCHOR_PREVIOUS;
  private revision = -1;
  private lastSignedAt: string | undefined;
  private subscription: EventSubscription | undefined;
  private loop: Promise<void> = Promise.resolve();
  private signing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private queued = false;
  private forced = false;
  private readonly stream: string;

  constructor(
    private readonly store: EventStore,
    private readonly options: AnchorOptions,
    private readonly log: Logger,
  ) {
    this.stream = anchorStream(options.instance);
  }

  async start(): Promise<void> {
    this.key = await loadOrCreateAnchorKey(this.options.keyFile);
    const keyId = keyIdOf(this.key.publicKey);
    if (this.key.created) {
      this.log.info(
        { keyFile: this.options.keyFile, publicKey: `${this.options.keyFile}.pub`, keyId },
        'anchor signing key created',
      );
    }
    const [last] = await this.store.readStream<{ type: 'AuditAnchorSigned'; data: AuditAnchorSignedData }>(
      this.stream,
      { direction: 'backwards', maxCount: 1 },
    );
    let from: Position | 'start' = 'start';
    if (last) {
      this.sequence = last.data.sequence;
      this.previous = anchorDigest(last.data);
      this.revision = last.revision;
      this.lastSignedAt = last.data.signedAt;
      if (last.data.keyId === keyId && anchorSignatureValid(last.data, this.key.publicKey)) {
        this.fold = new HeadsFold({
          headsDigest: last.data.headsDigest,
          streams: last.data.streams,
          events: last.data.events,
        });
        from = this.asOf = parsePosition(last.data.asOf);
      } else {
        this.log.warn(
          { stream: this.stream, sequence: last.data.sequence, keyId },
          'the last anchor is not signed by this key: folding every stream head again from the start',
        );
      }
    }
    this.fold ??= new HeadsFold(null);
    this.subscription = this.store.subscribeToAll({ from });
    this.loop = this.follow(this.subscription).catch((error: unknown) =>
      this.log.error({ err: error }, 'anchor signer stopped'),
    );
    this.timer = setInterval(() => this.sign('time'), this.options.everySeconds * 1000);
    this.timer.unref();
  }

  /** Stops folding; signs what arrived since the last anchor first (waiting at most STOP_SIGN_MS for the store). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.subscription?.close();
    await this.loop;
    this.sign('time');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.signing, new Promise((resolve) => (timer = setTimeout(resolve, STOP_SIGN_MS)))]);
    clearTimeout(timer);
    await this.fold?.close();
  }

  status(): AnchorStatus {
    return {
      sequence: this.sequence,
      lastSignedAt: this.lastSignedAt,
      keyId: this.key ? keyIdOf(this.key.publicKey) : undefined,
      pendingEvents: this.pending,
    };
  }

  private async follow(subscription: EventSubscription): Promise<void> {
    for await (const event of subscription) {
      const added = this.fold!.add(event); // takes the event at once; resolves when the worker has room
      this.asOf = event.position;
      // Our own anchors are folded (the next anchor covers them) but do not call for one.
      if (event.streamName !== this.stream && ++this.pending >= this.options.everyEvents) this.sign('count');
      await added;
    }
  }

  /**
   * Queues one anchor of the state folded when it runs (anchors append in
   * order). At most one waits behind the one being signed, so a slow store
   * does not pile them up; `count` signs only if everyEvents are still
   * pending then, `time` if any are.
   */
  private sign(reason: 'count' | 'time'): void {
    this.forced ||= reason === 'time';
    if (this.queued) return;
    this.queued = true;
    this.signing = this.signing
      .then(() => {
        this.queued = false;
        const due = this.forced ? this.pending > 0 : this.pending >= this.options.everyEvents;
        this.forced = false;
        return due ? this.signNow() : undefined;
      })
      .catch((error: unknown) =>
        this.log.warn({ err: error, stream: this.stream }, 'could not sign an audit anchor'),
      );
  }

  private async signNow(): Promise<void> {
    if (this.pending === 0 || !this.key || !this.asOf || !this.fold) return;
    // Taken together, before any await: the state is the fold of every event up to asOf.
    const pending = this.pending;
    const asOf = this.asOf;
    const folded = await this.fold.snapshot();
    const payload = {
      sequence: this.sequence + 1,
      asOf: formatPosition(asOf),
      streams: folded.streams,
      events: folded.events,
      headsDigest: folded.headsDigest,
      previous: this.previous,
      signedAt: new Date().toISOString(),
      keyId: keyIdOf(this.key.publicKey),
      algorithm: 'ed25519' as const,
    };
    const anchor = signAnchor(payload, this.key.privateKey);
    try {
      const result = await this.store.append(
        this.stream,
        [
          toNewEvent(
            { type: 'AuditAnchorSigned', data: anchor },
            { correlationId: this.options.instance, actor: 'system', gatewayInstance: this.options.instance },
          ),
        ],
        this.revision < 0 ? 'no_stream' : this.revision,
      );
      this.revision = result.nextExpectedRevision;
      this.sequence = anchor.sequence;
      this.previous = anchorDigest(anchor);
      this.lastSignedAt = anchor.signedAt;
      this.pending = Math.max(0, this.pending - pending);
    } catch (error) {
      // Tried again at the next tick: the events stay pending.
      this.log.warn({ err: error, stream: this.stream }, 'could not append an audit anchor');
    }
  }
}
