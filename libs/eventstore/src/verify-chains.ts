import { StreamChainVerifier, type ChainBreak, type Position } from '@portcullis/events';
import type { EventStore } from './port.js';

export interface ChainVerificationReport {
  readonly streams: number;
  readonly events: number;
  /** The first broken link of each broken stream, in the order found. */
  readonly breaks: readonly ChainBreak[];
  /** Set when `maxEvents` stopped the walk before the end: later events were not checked. */
  readonly truncated?: true;
}

/**
 * Walks every hash chain (or the streams named) through the port, so it works
 * on every adapter. `$all` order agrees with each stream's revision order, so
 * one pass with a verifier per stream is enough. `maxEvents` bounds the walk
 * (an on-demand check from the console): it stops there and says so.
 */
export async function verifyChains(
  store: EventStore,
  options: { streamName?: string; pageSize?: number; maxEvents?: number } = {},
): Promise<ChainVerificationReport> {
  const pageSize = options.pageSize ?? 1000;
  const maxEvents = options.maxEvents ?? Number.POSITIVE_INFINITY;
  let truncated = false;
  const verifiers = new Map<string, StreamChainVerifier>();
  const broken = new Map<string, ChainBreak>();
  let events = 0;

  const check = (event: Parameters<StreamChainVerifier['check']>[0]) => {
    events += 1;
    if (broken.has(event.streamName)) return;
    let verifier = verifiers.get(event.streamName);
    if (!verifier) verifiers.set(event.streamName, (verifier = new StreamChainVerifier()));
    const problem = verifier.check(event);
    if (problem) broken.set(event.streamName, problem);
  };

  if (options.streamName) {
    for (let from = 0; ;) {
      const want = Math.min(pageSize, maxEvents - events);
      if (want <= 0) {
        truncated =
          (await store.readStream(options.streamName, { fromRevision: from, maxCount: 1 })).length > 0;
        break;
      }
      const page = await store.readStream(options.streamName, { fromRevision: from, maxCount: want });
      page.forEach(check);
      if (page.length < want) break;
      from += page.length;
    }
  } else {
    let from: Position | undefined;
    for (;;) {
      const want = Math.min(pageSize, maxEvents - events);
      if (want <= 0) {
        truncated = (await store.readAll({ from, maxCount: 1 })).length > 0;
        break;
      }
      const page = await store.readAll({ from, maxCount: want });
      page.forEach(check);
      if (page.length < want) break;
      from = page.at(-1)!.position;
    }
  }
  return {
    streams: verifiers.size,
    events,
    breaks: [...broken.values()],
    ...(truncated ? { truncated: true as const } : {}),
  };
}
