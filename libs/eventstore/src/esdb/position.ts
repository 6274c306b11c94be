import {
  END,
  NO_STREAM,
  START,
  type AppendExpectedRevision,
  type CurrentRevision,
  type Position as EsdbPosition,
  type ReadRevision,
} from '@eventstore/db-client';
import { ErrorCode, PortcullisError, type Position } from '@portcullis/events';
import type { Direction, ExpectedRevision } from '../port.js';

/**
 * EventStoreDB's `$all` position is (commit, prepare), both unsigned 64-bit:
 * it maps 1:1 onto our Position, so a checkpoint taken on one side resumes on
 * the other without translation.
 */
export const fromEsdbPosition = (position: EsdbPosition): Position => ({
  commit: position.commit,
  prepare: position.prepare,
});

export const toEsdbPosition = (position: Position): EsdbPosition => ({
  commit: position.commit,
  prepare: position.prepare,
});

/**
 * Stream reads on servers before 22.6 carry no position, and some report
 * the "unknown" sentinel 2^64-1 instead. Without a real position an event
 * cannot be checkpointed, so we refuse it rather than invent one.
 */
const UNKNOWN_COMMIT = 0xffff_ffff_ffff_ffffn;

export function requirePosition(position: EsdbPosition | undefined, eventId: string): Position {
  if (position === undefined || position.commit === UNKNOWN_COMMIT) {
    throw new PortcullisError(
      ErrorCode.Internal,
      `EventStoreDB returned event ${eventId} without its $all position; Portcullis needs EventStoreDB 22.10 or later`,
    );
  }
  return fromEsdbPosition(position);
}

/** Stream revisions are u64 on the wire; ours are JS numbers, exact up to 2^53 - 1. */
export function revisionToNumber(revision: bigint): number {
  if (revision < 0n || revision > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new PortcullisError(ErrorCode.Internal, `stream revision ${revision} does not fit a safe integer`);
  }
  return Number(revision);
}

/** ESDB's "current revision" of a stream; -1 stands for "no stream", as in WrongExpectedRevisionError. */
export const currentRevisionToNumber = (current: CurrentRevision): number =>
  current === NO_STREAM ? -1 : revisionToNumber(current);

/** The exact ESDB expectation for a stream whose last revision we have just read (-1: no stream). */
export const exactEsdbExpectation = (actual: number): AppendExpectedRevision =>
  actual === -1 ? NO_STREAM : BigInt(actual);

/** Back from ESDB's expectation to ours (for errors the server raised). */
export function fromEsdbExpectation(expected: AppendExpectedRevision): ExpectedRevision {
  return typeof expected === 'bigint' ? revisionToNumber(expected) : expected;
}

/** Our inclusive `fromRevision`, defaulting to the first (forwards) or last (backwards) event. */
export function toEsdbReadRevision(fromRevision: number | undefined, direction: Direction): ReadRevision {
  if (fromRevision === undefined) return direction === 'backwards' ? END : START;
  return BigInt(fromRevision);
}
