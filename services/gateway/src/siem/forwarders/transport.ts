import type { RecordedEvent } from '@portcullis/events';

/** One event as a forwarder sends it: the recorded event and its rendering in the feed format. */
export interface Outgoing {
  readonly event: RecordedEvent;
  readonly record: Record<string, unknown>;
}

/** How a forwarder reaches its peer. */
export interface ForwarderTransport {
  /** For logs: the peer's address, never a credential. */
  readonly description: string;
  /** Resolves once the peer has accepted the whole batch (as far as its protocol can tell); rejects otherwise. */
  deliver(batch: readonly Outgoing[]): Promise<void>;
  close(): Promise<void>;
  /** For `config check`: reaches the peer without delivering anything; says what was found. */
  probe(): Promise<string>;
}
