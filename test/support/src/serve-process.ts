import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The `portcullis` command of this checkout, as operators run it. */
export const PORTCULLIS_BIN = fileURLToPath(
  new URL('../../../services/gateway/bin/portcullis.js', import.meta.url),
);

export interface ServeProcess {
  readonly child: ChildProcess;
  /** Everything it printed so far (stdout and stderr, in arrival order). */
  output(): string;
  /** Resolves with the exit code once it exited. */
  readonly exited: Promise<number | null>;
  /** Sends `signal` (SIGTERM by default) unless it already exited; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * `portcullis serve --config FILE` in its own process; resolves once it
 * printed `serving http…`. Rejects with its output when it exits first or
 * does not get there within `timeoutMs` (default 60 s).
 */
export async function startServe(
  configFile: string,
  options: { readonly cwd?: string; readonly timeoutMs?: number } = {},
): Promise<ServeProcess> {
  const child = spawn(process.execPath, [PORTCULLIS_BIN, 'serve', '--config', configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const serve: ServeProcess = {
    child,
    output: () => output,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (!/serving http/.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await serve.stop('SIGKILL');
      throw new Error(`portcullis serve did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return serve;
}
