/**
 * A session's reuse of its own decisions: the verdict for one exact command
 * text is kept and handed out again instead of classifying and evaluating
 * the text a second time (ORMs and pollers repeat the same statements).
 *
 * Reuse is exactly as good as a fresh evaluation, for these reasons only:
 * - within a session the policy input is a function of the text: identity,
 *   target and session are fixed when it opens, the classification is a
 *   function of the text, and the approval state is part of the key (a
 *   decision taken after an approval is never cached, see the callers);
 * - an entry is used only while the engine runs the policy instance it came
 *   from (`PolicyEngine.generation`: every reload, of rules or of data, even
 *   under an unchanged revision name, starts afresh);
 * - and only until the policy's own `reuse_until_ns` (the next expiry of a
 *   grant): the policy says how long its answer holds, and a decision without
 *   it (a fail-closed one, or a policy that reads the clock) is never kept.
 * Keys are the exact text: no normalisation of literals (`WHERE 1=1` and
 * `WHERE 1=0` are two entries). Memory is bounded per session: at most
 * MAX_ENTRIES texts of at most MAX_TEXT_LENGTH characters, least recently
 * used first out.
 */
export class DecisionCache<V> {
  static readonly MAX_ENTRIES = 128;
  static readonly MAX_TEXT_LENGTH = 2048;
  private readonly entries = new Map<string, { value: V; generation: number; untilNs: number }>();
  hits = 0;
  misses = 0;

  /** The kept verdict for `text`, if it came from policy `generation` and still holds at `nowNs`. */
  get(text: string, generation: number, nowNs: number): V | undefined {
    const entry = this.entries.get(text);
    if (entry === undefined || entry.generation !== generation || nowNs >= entry.untilNs) {
      if (entry !== undefined) this.entries.delete(text);
      this.misses += 1;
      return undefined;
    }
    this.entries.delete(text); // most recently used goes last
    this.entries.set(text, entry);
    this.hits += 1;
    return entry.value;
  }

  /** Keeps `value` for `text` until `untilNs` (the decision's `reuse_until_ns`); without it, nothing is kept. */
  set(text: string, generation: number, untilNs: number | undefined, value: V): void {
    if (untilNs === undefined || !Number.isFinite(untilNs)) return;
    if (text.length > DecisionCache.MAX_TEXT_LENGTH) return;
    this.entries.delete(text);
    if (this.entries.size >= DecisionCache.MAX_ENTRIES) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
    this.entries.set(text, { value, generation, untilNs });
  }

  get size(): number {
    return this.entries.size;
  }
}
