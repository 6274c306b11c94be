/**
 * Memory for frames the proxy rewrites on the hot path (masked DataRows).
 * They are cut from a slab, one after the other, so the rewritten rows of a
 * server chunk lie next to each other and leave as one slice (ClientChannel
 * joins writes that continue each other in memory) instead of one buffer per
 * row for the socket to gather.
 *
 * One slab per result (each RowMasker has its own): a result whose rows are
 * held (a read that ran ahead of its audit append) then keeps alive only its
 * own memory, never slabs filled by other sessions. Slabs start small and
 * double, so a one-row lookup costs a small buffer and a long stream gets
 * 64 KiB slabs. A region is handed out once and never written again: a full
 * slab is left to the socket and the garbage collector, which keep it while
 * any region of it is still queued. The memory is not zeroed; the caller
 * writes every byte of what it takes.
 */
const FIRST_SLAB_BYTES = 1024;
const LARGEST_SLAB_BYTES = 64 * 1024;
/** Larger frames get a buffer of their own, so one big row does not waste most of a slab. */
const LARGEST_FROM_SLAB = LARGEST_SLAB_BYTES / 8;

export class FrameSlab {
  private slab: Buffer | undefined;
  private used = 0;
  private nextBytes = FIRST_SLAB_BYTES;

  take(size: number): Buffer {
    if (size > LARGEST_FROM_SLAB) return Buffer.allocUnsafe(size);
    if (this.slab === undefined || this.used + size > this.slab.length) {
      const bytes = Math.max(this.nextBytes, size);
      this.nextBytes = Math.min(this.nextBytes * 2, LARGEST_SLAB_BYTES);
      this.slab = Buffer.allocUnsafeSlow(bytes);
      this.used = 0;
    }
    const region = this.slab.subarray(this.used, this.used + size);
    this.used += size;
    return region;
  }
}
