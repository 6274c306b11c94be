/**
 * Memory for frames the proxy rewrites on the hot path (masked DataRows).
 * They are cut from one slab, one after the other, so the rewritten rows of a
 * server chunk lie next to each other and leave as one slice (ClientChannel
 * joins writes that continue each other in memory) instead of one buffer per
 * row for the socket to gather.
 *
 * A region is handed out once and never written again: a full slab is left
 * to the socket and the garbage collector, which keep it while any region of
 * it is still queued, and a fresh one begins. The memory is not zeroed; the
 * caller writes every byte of what it takes.
 */
const SLAB_BYTES = 64 * 1024;
/** Larger frames get a buffer of their own, so one big row does not waste most of a slab. */
const LARGEST_FROM_SLAB = SLAB_BYTES / 8;

let slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
let used = 0;

export function takeFrameBytes(size: number): Buffer {
  if (size > LARGEST_FROM_SLAB) return Buffer.allocUnsafe(size);
  if (used + size > SLAB_BYTES) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    used = 0;
  }
  const region = slab.subarray(used, used + size);
  used += size;
  return region;
}
