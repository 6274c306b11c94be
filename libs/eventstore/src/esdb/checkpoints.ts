import { ANY, BACKWARDS, END, ErrorType, jsonEvent, type EventStoreDBClient } from '@eventstore/db-client';
import { ErrorCode, PortcullisError, type Position } from '@portcullis/events';
import type { CheckpointStore } from '../port.js';
import { CHECKPOINT_STREAM_PREFIX } from './event-filter.js';
import { isEsdbError, translateEsdbError } from './translate-error.js';

export type CheckpointClient = Pick<
  EventStoreDBClient,
  'readStream' | 'appendToStream' | 'setStreamMetadata'
>;

export const CHECKPOINT_STORED = 'PortcullisCheckpointStored';
export const CHECKPOINT_RESET = 'PortcullisCheckpointReset';

/**
 * One stream per subscriber, `portcullis_checkpoint-<id>`, capped with
 * stream metadata `maxCount: 1` so ESDB keeps only the latest position
 * (older ones are invisible at once and scavenged later).
 *
 * Why not `$$portcullis-checkpoint-<id>`: in ESDB a `$$x` stream IS the
 * metadata stream of `x`, so that name would write our checkpoints as the
 * metadata of a stream `portcullis-checkpoint-<id>`. And `$`-streams are
 * system streams, writable only by `$admins` under the default ACLs, which
 * would force the gateway to run as an admin. A user stream with its own
 * category needs no privilege; readers of `$all` skip its prefix.
 *
 * `reset` appends a reset marker instead of deleting the stream: a soft
 * delete followed by a new store would resurrect the stream with truncation
 * metadata, and the marker leaves a trace of who reset when.
 */
export class EsdbCheckpointStore implements CheckpointStore {
  /** Streams whose maxCount this process has already set: once per subscriber, not once per store. */
  private readonly capped = new Set<string>();

  constructor(
    private readonly client: CheckpointClient,
    private readonly description: string,
  ) {}

  async load(subscriberId: string): Promise<Position | null> {
    const streamName = checkpointStreamName(subscriberId);
    try {
      const read = this.client.readStream(streamName, {
        direction: BACKWARDS,
        fromRevision: END,
        maxCount: 1,
      });
      let last: { type: string; data: unknown } | undefined;
      for await (const resolved of read) {
        if (resolved.event) last = { type: resolved.event.type, data: resolved.event.data };
      }
      return last === undefined ? null : decodeCheckpoint(streamName, last);
    } catch (error) {
      if (isEsdbError(error, ErrorType.STREAM_NOT_FOUND)) return null;
      throw translateEsdbError(error, this.description);
    }
  }

  store(subscriberId: string, position: Position): Promise<void> {
    return this.write(subscriberId, CHECKPOINT_STORED, encodeCheckpoint(position));
  }

  reset(subscriberId: string): Promise<void> {
    return this.write(subscriberId, CHECKPOINT_RESET, {});
  }

  private async write(subscriberId: string, type: string, data: Record<string, string>): Promise<void> {
    const streamName = checkpointStreamName(subscriberId);
    try {
      if (!this.capped.has(streamName)) {
        await this.client.setStreamMetadata(streamName, { maxCount: 1 });
        this.capped.add(streamName);
      }
      await this.client.appendToStream(streamName, jsonEvent({ type, data }), { expectedRevision: ANY });
    } catch (error) {
      throw translateEsdbError(error, this.description);
    }
  }
}

export const checkpointStreamName = (subscriberId: string): string =>
  `${CHECKPOINT_STREAM_PREFIX}${subscriberId}`;

/** Decimal strings: JSON has no 64-bit integers, and a double would round positions above 2^53. */
export function encodeCheckpoint(position: Position): { commit: string; prepare: string } {
  return { commit: position.commit.toString(), prepare: position.prepare.toString() };
}

/** The position in a checkpoint stream's last event; null after a reset. */
export function decodeCheckpoint(
  streamName: string,
  event: { type: string; data: unknown },
): Position | null {
  if (event.type === CHECKPOINT_RESET) return null;
  const data = event.data as { commit?: unknown; prepare?: unknown } | null;
  if (
    event.type !== CHECKPOINT_STORED ||
    typeof data?.commit !== 'string' ||
    typeof data.prepare !== 'string' ||
    !/^\d+$/.test(data.commit) ||
    !/^\d+$/.test(data.prepare)
  ) {
    throw new PortcullisError(
      ErrorCode.Integrity,
      `checkpoint stream ${streamName} holds an unreadable event`,
      {
        details: { streamName, type: event.type },
      },
    );
  }
  return { commit: BigInt(data.commit), prepare: BigInt(data.prepare) };
}
