import { setTimeout as delay } from 'node:timers/promises';
import type ssh2 from 'ssh2';

/** An interactive shell over ssh2 with a pty, as a person at a terminal would drive it. */
export interface Terminal {
  readonly stream: ssh2.ClientChannel;
  /** Everything the client has seen, escape sequences and carriage returns removed. */
  screen(): string;
  /** Waits until the screen after `from` matches. */
  waitFor(pattern: RegExp, from?: number, timeoutMs?: number): Promise<void>;
  /** Waits for a shell prompt at the end of the screen. */
  prompt(): Promise<void>;
  /** Types a line and presses Enter (separate writes, like keystrokes). */
  typeLine(text: string): Promise<number>;
  exit: Promise<{ code: number | null; signal?: string }>;
}

export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\x07/g, '');
}

export function openTerminal(
  client: ssh2.Client,
  window: ssh2.PseudoTtyOptions = { term: 'xterm', cols: 100, rows: 30 },
): Promise<Terminal> {
  return new Promise((resolve, reject) =>
    client.shell(window, (error, stream) => {
      if (error) return reject(error);
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString()));
      stream.stderr.on('data', (c: Buffer) => (raw += c.toString()));
      const exit = new Promise<{ code: number | null; signal?: string }>((done) => {
        let status: { code: number | null; signal?: string } = { code: null };
        stream.on('exit', (code: number | null, signal?: string) => {
          status = signal ? { code, signal } : { code };
        });
        stream.on('close', () => done(status));
      });
      const screen = () => stripAnsi(raw).replace(/\r/g, '');
      const waitFor = async (pattern: RegExp, from = 0, timeoutMs = 15_000) => {
        const until = Date.now() + timeoutMs;
        while (!pattern.test(screen().slice(from))) {
          if (Date.now() > until)
            throw new Error(`timed out waiting for ${pattern} in ${JSON.stringify(screen().slice(from))}`);
          await delay(20);
        }
      };
      resolve({
        stream,
        screen,
        waitFor,
        prompt: () => waitFor(/[#$] $/),
        async typeLine(text: string) {
          const from = screen().length;
          stream.write(text);
          await delay(30);
          stream.write('\r');
          return from;
        },
        exit,
      });
    }),
  );
}
