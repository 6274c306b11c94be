import type { Bind, Close, Describe, Execute, Flush, Parse, Sync } from '../protocol/messages.js';
import { awaitApproval } from './await-approval.js';
import { decideStatement, hostDenial, parametersAsText, type StatementDecision } from './decide-statement.js';
import { recordedParameters } from '../masking/recorded-parameters.js';
import { bindWithTextResults, describePortal } from '../masking/masking-messages.js';
import { poisonParse } from './poison-statement.js';
import { Refusals } from '@portcullis/session';
import type { StatementRelay } from './statement-relay.js';
import type { TrackedCommand } from '../relay/response-tracker.js';

/** A statement the client parsed through us, with the decision taken at Parse. */
interface PreparedStatement {
  readonly decision: StatementDecision;
}

interface BoundPortal {
  readonly statement: PreparedStatement;
  readonly parameters: (string | null)[];
}

/**
 * The extended protocol. A statement is decided at Parse (its text is known
 * there); a refused Parse never reaches the server. Each Execute is one
 * command, recorded write-ahead with its portal's bound parameters before
 * the Execute is forwarded. A Bind or Execute the proxy cannot trace back
 * to an allowed Parse is refused.
 *
 * A refusal sends the poison Parse upstream (poison-statement.ts), so the
 * server fails at that point of the pipeline exactly as PostgreSQL would
 * (skip to Sync, implicit transaction rolled back, explicit block aborted),
 * and we discard the client's messages up to Sync as the server would.
 *
 * Statement and portal names are only trusted in the safe direction: a name
 * we know that the server lost (transaction end, failed Bind) makes the
 * server fail; a name the server has but we do not know is refused.
 */
export class ExtendedQuery {
  private readonly statements = new Map<string, PreparedStatement>();
  private readonly portals = new Map<string, BoundPortal>();
  private discardingUntilSync = false;
  /** An Execute was forwarded since the last Sync: the implicit transaction holds a command already. */
  private executedInPipeline = false;

  /** After a refusal, up to Sync: the client's messages are dropped, as the server would ignore them. */
  get discarding(): boolean {
    return this.discardingUntilSync;
  }

  get executedSinceSync(): boolean {
    return this.executedInPipeline;
  }

  constructor(private readonly relay: StatementRelay) {}

  async parse(message: Parse): Promise<void> {
    if (this.discardingUntilSync) return;
    let decision = decideStatement(this.relay.statements, message.sql);
    if (decision.review && this.relay.statements.approvals) {
      // The review is recorded (and decided) at Parse; once granted, each
      // Execute of the statement is recorded with the approval's id.
      const sequence = await this.relay.writeAhead(decision);
      if (sequence === undefined) return this.refuse(Refusals.auditUnavailable);
      decision = await awaitApproval(this.relay, decision, sequence);
      if (!decision.allowed) {
        this.relay.blocked(sequence, decision.refusal);
        this.statements.delete(message.statementName);
        return this.refuse(decision.refusal);
      }
    }
    if (!decision.allowed) {
      const sequence = await this.relay.writeAhead(decision);
      this.relay.blocked(sequence, decision.refusal);
      // The server would not have the statement either (unnamed: dropped first).
      this.statements.delete(message.statementName);
      return this.refuse(sequence === undefined ? Refusals.auditUnavailable : decision.refusal);
    }
    const statement: PreparedStatement = { decision };
    const name = message.statementName;
    // A second Parse of a named statement fails on the server (42P05) and the first one stays.
    if (name === '' || !this.statements.has(name)) this.statements.set(name, statement);
    this.relay.forward(message.frame, {
      kind: 'parse',
      onFailure: () => {
        if (this.statements.get(name) === statement) this.statements.delete(name);
      },
    });
  }

  async bind(message: Bind): Promise<void> {
    if (this.discardingUntilSync) return;
    const statement = this.statements.get(message.statementName);
    if (!statement) {
      return this.refuseUnattributable(`Bind of statement ${JSON.stringify(message.statementName)}`);
    }
    this.portals.set(message.portalName, {
      statement,
      parameters: recordedParameters(
        parametersAsText(message.parameters, message.parameterFormats),
        statement.decision.masking,
      ),
    });
    // Masking and detectors read text: a portal whose results may be masked never runs in binary.
    const binary = message.resultFormats.some((format) => format === 1);
    const frame =
      binary && statement.decision.masking.active
        ? bindWithTextResults(message.frame, message.resultFormats.length)
        : message.frame;
    this.relay.forward(frame, { kind: 'bind' });
  }

  async execute(message: Execute): Promise<void> {
    if (this.discardingUntilSync) return;
    const portal = this.portals.get(message.portalName);
    if (!portal) return this.refuseUnattributable(`Execute of portal ${JSON.stringify(message.portalName)}`);
    const { received, decided } = portal.statement.decision;
    const recorded = { received: { ...received, parameters: portal.parameters }, decided };
    const send = (command: TrackedCommand) => {
      // Execute sends no RowDescription: the proxy asks for the portal's own,
      // whether or not the client did, and masks by it.
      if (command.masking)
        this.relay.forward(describePortal(message.portalName), { kind: 'rowLayout', command });
      this.relay.forward(message.frame, { kind: 'execute', command });
    };
    if (this.relay.canRunAhead(portal.statement.decision)) {
      this.executedInPipeline = true;
      // Not durable: the client got the refusal in the Execute's place; the
      // server ran a read and will end its implicit transaction at our Sync.
      if (!(await this.relay.runAhead(portal.statement.decision, recorded, send)))
        this.discardingUntilSync = true;
      return;
    }
    const sequence = await this.relay.writeAhead(recorded);
    if (sequence === undefined) return this.refuse(Refusals.auditUnavailable);
    this.executedInPipeline = true;
    send(this.relay.track(sequence, portal.statement.decision.masking));
    this.relay.forwarded(sequence);
  }

  /** Describe, Close, Sync and Flush run nothing: forwarded, tracked for the replies they get. */
  passThrough(message: Describe | Close | Sync | Flush): void {
    switch (message.type) {
      case 'sync':
        this.discardingUntilSync = false;
        this.executedInPipeline = false;
        return this.relay.forward(message.frame, { kind: 'sync' });
      case 'flush':
        if (!this.discardingUntilSync) this.relay.forward(message.frame);
        return;
      case 'describe':
        if (!this.discardingUntilSync) {
          this.relay.forward(message.frame, { kind: 'describe', target: message.target });
        }
        return;
      case 'close':
        if (this.discardingUntilSync) return;
        if (message.target === 'statement') this.statements.delete(message.name);
        else this.portals.delete(message.name);
        return this.relay.forward(message.frame, { kind: 'close' });
    }
  }

  private async refuseUnattributable(what: string): Promise<void> {
    const refusal = `${what} cannot be traced to an allowed statement`;
    const decision = hostDenial(this.relay.statements.policy, `<${what}>`, refusal);
    const sequence = await this.relay.writeAhead(decision);
    this.relay.blocked(sequence, refusal);
    this.refuse(sequence === undefined ? Refusals.auditUnavailable : refusal);
  }

  private refuse(refusal: string): void {
    this.relay.forward(poisonParse(), { kind: 'refused', refusal });
    this.discardingUntilSync = true;
  }
}
