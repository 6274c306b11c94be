import type { SessionRecorder } from '@portcullis/session';
import { decideSshCommand, type CommandContext } from './decide-command.js';
import type { ProxyLogger } from './proxy-options.js';

/**
 * Records a request the proxy refuses on its own (port and agent
 * forwarding, X11, unknown subsystems) as a decided and blocked command, so
 * the audit trail shows what was attempted. Policy is asked on the same path
 * as any command (`argv` = what was requested), but the host reason always
 * denies: these stay refused until a policy-aware forwarder exists. The
 * client has already been refused: nothing waits for this append.
 */
export function recordRefusal(
  context: CommandContext,
  recorder: SessionRecorder,
  argv: readonly string[],
  reason: string,
  logger: ProxyLogger,
): void {
  const text = argv.join(' ');
  const decision = decideSshCommand(
    context,
    { text, protocol: 'ssh', statements: [], argv: [...argv], program: argv[0] ?? '', sudo: false },
    [reason],
    text,
  );
  logger.info({ sessionId: recorder.sessionId, request: text, reason }, 'refused request');
  recorder
    .decide(decision.received, decision.decided)
    .then((sequence) =>
      recorder.blocked(sequence, { reason: decision.refusal, errorCode: 'request refused' }),
    )
    .catch((error: unknown) =>
      logger.error({ sessionId: recorder.sessionId, err: String(error) }, 'could not record a refusal'),
    );
}
