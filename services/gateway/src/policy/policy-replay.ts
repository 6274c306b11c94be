/**
 * Policy replay: every recorded command decided again by a candidate policy,
 * with the input it was first decided on — the session's identity and
 * target, the recorded classification, the time it was received — and the
 * candidate's verdict compared with the recorded first decision (outcome
 * and masks). For Rego authors and operators before they ship a change:
 * what would the new policy have allowed, denied, masked or sent for review?
 *
 * What replay cannot see: the recorded outcome includes the front ends'
 * host rules (refusals no policy can lift, e.g. SQL-level PREPARE, masks
 * the proxy cannot apply); a candidate that allows such a command is
 * reported as a change, with both sets of reasons, for a human to judge.
 */
import type {
  CommandDecidedData,
  CommandReceivedData,
  Recorded,
  SessionEvent,
  SessionOpenedData,
} from '@portcullis/events';
import type { EventStore } from '@portcullis/eventstore';
import type { Command, PolicyEngine } from '@portcullis/policy';
import { decisionsDiffer, verdictOf } from '@portcullis/session';

export interface ReplayFilter {
  /** Commands received at or after this time. */
  readonly since?: Date;
  readonly target?: string;
}

export interface ReplayExample {
  readonly sessionId: string;
  readonly sequence: number;
  readonly target: string;
  readonly subject: string;
  readonly text: string;
  readonly recordedReasons: readonly string[];
  readonly candidateReasons: readonly string[];
}

export interface ReplayChange {
  /** e.g. `allow → deny`, or `allow → allow (masks)` when only the masks differ. */
  readonly change: string;
  readonly count: number;
  readonly examples: ReplayExample[];
}

export interface ReplayReport {
  readonly candidateRevision: string;
  readonly commands: number;
  readonly unchanged: number;
  readonly changes: ReplayChange[];
}

const PAGE = 1_000;

export async function replayPolicy(
  store: EventStore,
  candidate: PolicyEngine,
  filter: ReplayFilter = {},
  examplesPerChange = 3,
): Promise<ReplayReport> {
  const sessions = new Map<string, SessionOpenedData>();
  const received = new Map<string, Recorded<SessionEvent> & { data: CommandReceivedData }>();
  const changes = new Map<string, { count: number; examples: ReplayExample[] }>();
  let commands = 0;
  let unchanged = 0;
  for (let from = undefined as Recorded<SessionEvent>['position'] | undefined; ;) {
    const page = await store.readAll<SessionEvent>({
      filter: { streamPrefixes: ['session-'] },
      maxCount: PAGE,
      ...(from ? { from } : {}),
    });
    for (const event of page) {
      if (event.type === 'SessionOpened') sessions.set(event.data.sessionId, event.data);
      else if (event.type === 'CommandReceived')
        received.set(`${event.data.sessionId}#${event.data.sequence}`, event as never);
      else if (event.type === 'CommandDecided') {
        const key = `${event.data.sessionId}#${event.data.sequence}`;
        const command = received.get(key);
        received.delete(key); // the first decision only: a second one follows a review
        const session = sessions.get(event.data.sessionId);
        if (!command || !session) continue;
        if (filter.target !== undefined && session.target.name !== filter.target) continue;
        const at = new Date(command.metadata.recordedAt);
        if (filter.since && at < filter.since) continue;
        commands += 1;
        const change = compare(candidate, session, command.data, event.data, at);
        if (change === undefined) {
          unchanged += 1;
          continue;
        }
        const entry = changes.get(change.change) ?? { count: 0, examples: [] };
        entry.count += 1;
        if (entry.examples.length < examplesPerChange) entry.examples.push(change.example);
        changes.set(change.change, entry);
      }
    }
    if (page.length < PAGE) break;
    from = page.at(-1)!.position;
  }
  return {
    candidateRevision: candidate.revision,
    commands,
    unchanged,
    changes: [...changes].map(([change, e]) => ({ change, ...e })).sort((a, b) => b.count - a.count),
  };
}

function compare(
  candidate: PolicyEngine,
  session: SessionOpenedData,
  command: CommandReceivedData,
  recorded: CommandDecidedData,
  at: Date,
): { change: string; example: ReplayExample } | undefined {
  const decision = candidate.decideCommand({
    identity: session.identity,
    target: session.target,
    session: { id: session.sessionId, client_ip: session.clientAddress },
    command: {
      text: command.text,
      protocol: command.protocol,
      ...(command.classification as object),
    } as Command,
    // A session admitted by an approval decided its commands as granted; per-command approvals came after.
    approval: { granted: session.approvalId !== undefined },
    now_ns: at.getTime() * 1_000_000,
  });
  const verdict = verdictOf(decision);
  const outcome = verdict.decided.outcome;
  if (!decisionsDiffer(recorded, verdict.decided)) return undefined;
  return {
    change: `${recorded.outcome} → ${outcome}${outcome === recorded.outcome ? ' (masks)' : ''}`,
    example: {
      sessionId: session.sessionId,
      sequence: command.sequence,
      target: session.target.name,
      subject: session.identity.subject,
      text: command.text,
      recordedReasons: recorded.reasons,
      candidateReasons: verdict.decided.reasons,
    },
  };
}
