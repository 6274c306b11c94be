import { StreamChainVerifier, type ChainBreak, type Position } from '@portcullis/events';
import type { EventStore } from './port.js';

export interface ChainVerificationReport {
  readonly streams: number;
  readonly events: number;
  /** The first broken link of each broken stream, in the order found. */
  readonly breaks: readonly ChainBreak[];
}

/**
 * Walks every hash chain (or the streams named) through the port, so it works
 * on every adapter. `$all` order agrees with each stream's revision order, so
 * one pass with a verifier per stream is enough.
 */
export async function verifyChains(
  store: EventStore,
  options: { streamName?: string; pageSize?: number } = {},
): Promise<ChainVerificationReport> {
  const pageSize = options.pageSize ?? 1000;
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
    for (let from = 0; ; from += pageSize) {
      const page = await store.readStream(options.streamName, { fromRevision: from, maxCount: pageSize });
      page.forEach(check);
      if (page.length < pageSize) break;
    }
  } else {
    let from: Position | undefined;
    for (;;) {
      const page = await store.readAll({ from, maxCount: pageSize });
      page.forEach(check);
      if (page.length < pageSize) break;
      from = page.at(-1)!.position;
    }
  }
  return { streams: verifiers.size, events, breaks: [...broken.values()] };
}
