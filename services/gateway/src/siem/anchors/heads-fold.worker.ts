import { parentPort, workerData } from 'node:worker_threads';
import { HeadsDigest } from './heads-digest.js';
import type { FoldMessage, FoldReply, FoldStart } from './heads-fold.js';

/** The fold of heads-fold.ts, off the gateway's event loop. */
const start = workerData as FoldStart | null;
const digest = start
  ? HeadsDigest.restore(start.headsDigest, start.streams, start.events)
  : HeadsDigest.empty();
const port = parentPort!;

port.on('message', (message: FoldMessage) => {
  if (message.type === 'heads') {
    for (const [streamName, revision, hash, prevHash] of message.heads) {
      digest.advance(streamName, revision, hash, prevHash);
    }
    port.postMessage({ type: 'folded' } satisfies FoldReply);
  } else {
    port.postMessage({
      type: 'snapshot',
      id: message.id,
      headsDigest: digest.toBase64(),
      streams: digest.streams,
      events: digest.events,
    } satisfies FoldReply);
  }
});
