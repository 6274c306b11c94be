import type { KeyObject } from 'node:crypto';
import {
  comparePositions,
  hashEvent,
  parsePosition,
  type AuditAnchorSignedData,
  type Position,
} from '@portcullis/events';
import type { EventStore } from '@portcullis/eventstore';
import { anchorDigest, anchorSignatureValid } from './anchor-signature.js';
import { HeadsDigest } from './heads-digest.js';
import type { ExportedAnchor } from './read-anchors.js';

export type AnchorProblem =
  | 'bad_signature' // not signed by the key given: forged, altered, or another key
  | 'conflicting' // two different anchors signed with the same stream and sequence
  | 'chain_broken' // an anchor's `previous` does not name the anchor before it
  | 'stream_deleted' // fewer streams up to asOf than the anchor counted
  | 'stream_truncated' // fewer events up to asOf than the anchor counted
  | 'heads_differ' // as many streams and events, other heads: an event rewritten (or replaced)
  | 'events_added' // more streams or events up to asOf than the anchor counted
  | 'anchor_missing'; // the anchor event itself is not in the store

export interface AnchorFinding {
  readonly anchorStream: string | undefined;
  readonly sequence: number;
  readonly asOf: string;
  readonly signedAt: string;
  readonly problem: AnchorProblem;
  readonly detail: string;
}

export interface AnchorVerificationReport {
  /** Anchors in the file with a valid signature (after removing repeats). */
  readonly anchors: number;
  /** How many of them the store matched. */
  readonly matched: number;
  /** The position and time of the latest valid anchor: what is covered. */
  readonly coveredUpTo: { asOf: string; signedAt: string } | undefined;
  /** Sequences missing from the file, per anchor stream (the SIEM lost them, or they never left). */
  readonly gaps: readonly { anchorStream: string; missing: readonly number[] }[];
  readonly findings: readonly AnchorFinding[];
}

interface Anchor extends ExportedAnchor {
  readonly position: Position;
  readonly chain: string;
}

/**
 * Checks a store against anchors that left the machine. The store's `$all`
 * is folded into the same digest of stream heads the gateway signed, with
 * every head's hash recomputed from its event (so a head edited without
 * re-hashing differs too; an edit further down a chain is the chain's to
 * find, and re-hashing it changes the head), and compared at each anchor's `asOf`: a stream
 * deleted, truncated or rewritten anywhere up to an anchor makes that
 * anchor and every later one differ. Counts name the kind of change.
 */
export async function verifyAnchors(
  store: EventStore,
  exported: readonly ExportedAnchor[],
  publicKey: KeyObject,
  pageSize = 1000,
): Promise<AnchorVerificationReport> {
  const findings: AnchorFinding[] = [];
  const finding = (a: ExportedAnchor, problem: AnchorProblem, detail: string) =>
    findings.push({
      anchorStream: a.streamName,
      sequence: a.data.sequence,
      asOf: a.data.asOf,
      signedAt: a.data.signedAt,
      problem,
      detail,
    });

  // Valid, one per (stream, sequence).
  const byKey = new Map<string, Anchor>();
  for (const a of exported) {
    if (!anchorSignatureValid(a.data, publicKey)) {
      finding(
        a,
        'bad_signature',
        `not signed by the public key given (key id in the anchor: ${a.data.keyId})`,
      );
      continue;
    }
    const chain = a.streamName ?? `key ${a.data.keyId}`;
    const key = `${chain}#${a.data.sequence}`;
    const seen = byKey.get(key);
    if (seen) {
      if (seen.data.signature !== a.data.signature) {
        finding(a, 'conflicting', `another valid anchor has the same sequence (as of ${seen.data.asOf})`);
      }
      continue;
    }
    byKey.set(key, { ...a, position: parsePosition(a.data.asOf, 'anchor asOf'), chain });
  }
  const anchors = [...byKey.values()];

  // Each anchor stream's own chain: previous names the one before.
  const gaps: { anchorStream: string; missing: number[] }[] = [];
  const chains = new Map<string, Anchor[]>();
  for (const a of anchors) chains.set(a.chain, [...(chains.get(a.chain) ?? []), a]);
  for (const [chain, list] of chains) {
    list.sort((x, y) => x.data.sequence - y.data.sequence);
    const missing: number[] = [];
    for (let i = 1; i < list.length; i++) {
      const [before, after] = [list[i - 1]!, list[i]!];
      for (let s = before.data.sequence + 1; s < after.data.sequence && missing.length < 100; s++)
        missing.push(s);
      if (
        after.data.sequence === before.data.sequence + 1 &&
        after.data.previous !== anchorDigest(before.data)
      ) {
        finding(after, 'chain_broken', `previous does not name anchor ${before.data.sequence}`);
      }
    }
    if (missing.length) gaps.push({ anchorStream: chain, missing });
  }

  // One pass over $all, comparing at each anchor's asOf.
  anchors.sort((x, y) => comparePositions(x.position, y.position));
  const heads = new Map<string, { streamName: string; revision: number; hash: string }>();
  const digest = HeadsDigest.empty();
  let next = 0;
  let matched = 0;
  const compare = (a: Anchor) => {
    const problem = difference(a.data, digest);
    if (problem) finding(a, problem.kind, problem.detail);
    else matched += 1;
  };
  let from: Position | undefined;
  for (;;) {
    const page = await store.readAll({ ...(from ? { from } : {}), maxCount: pageSize });
    for (const event of page) {
      while (next < anchors.length && comparePositions(event.position, anchors[next]!.position) > 0) {
        compare(anchors[next++]!);
      }
      const head = { streamName: event.streamName, revision: event.revision, hash: hashEvent(event) };
      digest.move(heads.get(event.streamName), head);
      heads.set(event.streamName, head);
    }
    if (page.length < pageSize) break;
    from = page.at(-1)!.position;
  }
  while (next < anchors.length) compare(anchors[next++]!);

  // The anchors themselves must still be in the store where they were written.
  for (const a of anchors) {
    if (a.streamName === undefined || a.revision === undefined) continue;
    const [stored] = await store.readStream<{ type: string; data: AuditAnchorSignedData }>(a.streamName, {
      fromRevision: a.revision,
      maxCount: 1,
    });
    if (!stored || stored.revision !== a.revision || stored.data?.signature !== a.data.signature) {
      finding(a, 'anchor_missing', `not in the store at ${a.streamName} revision ${a.revision}`);
    }
  }

  const latest = anchors.at(-1);
  return {
    anchors: anchors.length,
    matched,
    coveredUpTo: latest && { asOf: latest.data.asOf, signedAt: latest.data.signedAt },
    gaps,
    findings,
  };
}

function difference(
  anchor: AuditAnchorSignedData,
  found: HeadsDigest,
): { kind: AnchorProblem; detail: string } | undefined {
  if (
    found.toBase64() === anchor.headsDigest &&
    found.streams === anchor.streams &&
    found.events === anchor.events
  ) {
    return undefined;
  }
  const counts = `the anchor counted ${anchor.streams} streams and ${anchor.events} events, the store has ${found.streams} and ${found.events}`;
  if (found.streams < anchor.streams) {
    return {
      kind: 'stream_deleted',
      detail: `${anchor.streams - found.streams} stream(s) missing: ${counts}`,
    };
  }
  if (found.events < anchor.events) {
    return {
      kind: 'stream_truncated',
      detail: `${anchor.events - found.events} event(s) missing: ${counts}`,
    };
  }
  if (found.streams > anchor.streams || found.events > anchor.events) {
    return { kind: 'events_added', detail: `events inserted before the anchor: ${counts}` };
  }
  return {
    kind: 'heads_differ',
    detail: `same counts, other stream heads: an event was rewritten (${counts})`,
  };
}
