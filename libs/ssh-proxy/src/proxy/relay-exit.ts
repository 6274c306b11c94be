import type ssh2 from 'ssh2';

/** How an upstream channel ended, as CommandCompleted records it. */
export interface ExitOutcome {
  readonly tag: string;
  readonly error?: { code: string; message: string };
}

/**
 * Waits for the upstream channel to close, then gives the client the same
 * exit status or exit signal and ends its channel.
 */
export function relayExit(channel: ssh2.ServerChannel, upstream: ssh2.ClientChannel): Promise<ExitOutcome> {
  let exit: { code: number | null; signal?: string; dumped?: boolean; description?: string } = { code: null };
  upstream.on('exit', (code: number | null, signal?: string, dumped?: boolean, description?: string) => {
    exit = { code, signal, dumped, description };
  });
  return new Promise((resolve) =>
    upstream.once('close', () => {
      if (exit.signal)
        channel.exit(exit.signal.replace(/^SIG/, ''), exit.dumped ?? false, exit.description ?? '');
      else if (exit.code !== null) channel.exit(exit.code);
      channel.end();
      if (exit.signal)
        resolve({
          tag: `signal ${exit.signal}`,
          error: { code: 'signal', message: `killed by ${exit.signal}` },
        });
      else if (exit.code === null)
        resolve({
          tag: 'no exit status',
          error: { code: 'no_exit_status', message: 'the host closed the channel without an exit status' },
        });
      else
        resolve({
          tag: `exit ${exit.code}`,
          ...(exit.code !== 0
            ? { error: { code: `exit ${exit.code}`, message: `exited with status ${exit.code}` } }
            : {}),
        });
    }),
  );
}
