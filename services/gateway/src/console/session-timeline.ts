import type {
  CommandCompletedData,
  DomainEvent,
  Recorded,
  SessionClosedData,
  SessionOpenedData,
  SessionRejectedData,
} from '@portcullis/events';

/** A masked column as the timeline shows it: which column, how, how many values. Never a value. */
export interface TimelineMask {
  readonly column: string;
  readonly method: string;
  readonly rule: string | undefined;
  readonly detector: string | undefined;
  readonly count: number;
}

/** One command of a session, from CommandReceived to its end. */
export interface TimelineCommand {
  readonly sequence: number;
  readonly receivedAt: string;
  readonly text: string;
  /** Statement kinds and objects, from the classification. */
  readonly statements: readonly { kind: string; objects: readonly string[] }[];
  /** The last decision: a review is followed by the outcome after the approval. */
  outcome: 'allow' | 'deny' | 'review' | undefined;
  reasons: string[];
  approvalId: string | undefined;
  blocked: { reason: string; errorCode: string | undefined } | undefined;
  completed: Pick<CommandCompletedData, 'rows' | 'durationMs' | 'commandTag' | 'error'> | undefined;
  masks: TimelineMask[];
  /** The gateway lost track of it (a crash after the write-ahead pair): why. */
  unknown: string | undefined;
}

export interface SessionTimeline {
  readonly opened: (SessionOpenedData & { at: string }) | undefined;
  readonly rejected: (SessionRejectedData & { at: string }) | undefined;
  readonly closed: (SessionClosedData & { at: string }) | undefined;
  readonly commands: TimelineCommand[];
  /** A terminal channel of it was recorded (`OutputRecorded`): the page plays it. */
  readonly recorded: boolean;
}

/**
 * Folds a session stream into what the session detail page shows. Result
 * rows a target may record (`resultRows`) are left out on purpose: the
 * console shows which columns were masked and how many values, never data.
 */
export function sessionTimeline(events: readonly Recorded<DomainEvent>[]): SessionTimeline {
  let opened: SessionTimeline['opened'];
  let rejected: SessionTimeline['rejected'];
  let closed: SessionTimeline['closed'];
  const commands = new Map<number, TimelineCommand>();
  let recorded = false;
  for (const event of events) {
    const at = event.metadata.recordedAt;
    switch (event.type) {
      case 'SessionOpened':
        opened = { ...event.data, at };
        break;
      case 'SessionRejected':
        rejected = { ...event.data, at };
        break;
      case 'SessionClosed':
        closed = { ...event.data, at };
        break;
      case 'CommandReceived':
        commands.set(event.data.sequence, {
          sequence: event.data.sequence,
          receivedAt: at,
          text: event.data.text,
          statements: statementsOf(event.data.classification),
          outcome: undefined,
          reasons: [],
          approvalId: undefined,
          blocked: undefined,
          completed: undefined,
          masks: [],
          unknown: undefined,
        });
        break;
      case 'CommandDecided': {
        const command = commands.get(event.data.sequence);
        if (!command) break;
        command.outcome = event.data.outcome;
        command.reasons = [...event.data.reasons];
        command.approvalId = event.data.approvalId ?? command.approvalId;
        break;
      }
      case 'CommandBlocked': {
        const command = commands.get(event.data.sequence);
        if (command) command.blocked = { reason: event.data.reason, errorCode: event.data.errorCode };
        break;
      }
      case 'CommandCompleted': {
        const command = commands.get(event.data.sequence);
        if (!command) break;
        const { rows, durationMs, commandTag, error } = event.data;
        command.completed = { rows, durationMs, commandTag, error };
        break;
      }
      case 'ResultMasked': {
        const command = commands.get(event.data.sequence);
        if (!command) break;
        for (const c of event.data.columns) {
          command.masks.push({
            column: c.column,
            method: c.method,
            rule: c.rule,
            detector: c.detector,
            count: c.count,
          });
        }
        break;
      }
      case 'CommandOutcomeUnknown': {
        const command = commands.get(event.data.sequence);
        if (command) command.unknown = event.data.reason;
        break;
      }
      case 'OutputRecorded':
        recorded = true;
        break;
      default:
        break;
    }
  }
  return {
    opened,
    rejected,
    closed,
    recorded,
    commands: [...commands.values()].sort((a, b) => a.sequence - b.sequence),
  };
}

/** The classification is the policy input's `command` (libs/sql); only its statement kinds and objects are shown. */
export function statementsOf(classification: unknown): { kind: string; objects: string[] }[] {
  const statements = (classification as { statements?: unknown } | null | undefined)?.statements;
  if (!Array.isArray(statements)) return [];
  return statements.flatMap((s: unknown) => {
    const { kind, objects } = (s ?? {}) as { kind?: unknown; objects?: unknown };
    if (typeof kind !== 'string') return [];
    return [
      {
        kind,
        objects: Array.isArray(objects) ? objects.filter((o): o is string => typeof o === 'string') : [],
      },
    ];
  });
}
