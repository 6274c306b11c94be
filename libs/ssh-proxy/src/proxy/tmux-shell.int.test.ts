/**
 * A person at a terminal: OpenSSH's `ssh` running inside `tmux` (a real
 * terminal emulator with a real pty) through the proxy, keys typed with
 * `tmux send-keys`, the screen read with `capture-pane`. An allowed command
 * runs and its output shows; a denied one is refused on screen and, checked
 * on the host itself, never ran.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { DEPLOYER, DEV_HOST, startProxyWorld, type ProxyWorld } from './testing/proxy-fixture.js';

const run = promisify(execFile);

describe('an interactive ssh session in tmux through the proxy', () => {
  let world: ProxyWorld;
  // Our own tmux server (its own socket): nothing else's sessions are touched.
  const socket = `portcullis-test-${process.pid}`;
  const tmux = (...args: string[]) => run('tmux', ['-L', socket, ...args]);
  let token = '';
  const marker = `/dev/shm/portcullis-tmux-${process.pid}`;

  before(async () => {
    world = await startProxyWorld();
  });
  after(async () => {
    await tmux('kill-server').catch(() => undefined);
    await world.stop();
    await rm(marker, { force: true });
  });

  const screen = async () => (await tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', 'agent')).stdout;
  async function waitForScreen(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const text = await screen();
      if (pattern.test(text)) return text;
      if (Date.now() > until) assert.fail(`timed out waiting for ${pattern} on screen:\n${text}`);
      await delay(100);
    }
  }
  /** Types like a person: the text, then Enter, as separate keys. */
  async function type(text: string): Promise<void> {
    await tmux('send-keys', '-t', 'agent', '-l', text);
    await delay(100);
    await tmux('send-keys', '-t', 'agent', 'Enter');
  }

  it('an allowed command runs and shows its output; a denied one is refused and never runs on the host', async () => {
    token = await world.oidc.issueToken(DEPLOYER);
    const ssh = [
      'sshpass -e ssh',
      '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR',
      '-o PubkeyAuthentication=no -o PreferredAuthentications=password',
      `-p ${world.proxy.address.port} ${DEV_HOST}@127.0.0.1`,
    ].join(' ');
    // The token reaches sshpass through the environment the tmux server starts with, not a command line.
    await run('tmux', ['-L', socket, 'new-session', '-d', '-s', 'agent', '-x', '120', '-y', '40', ssh], {
      env: { ...process.env, SSHPASS: token },
    });
    await waitForScreen(/[#$] $/m);

    await type('echo tmux-allowed-42');
    await waitForScreen(/^tmux-allowed-42$/m);

    await type(`dd if=/dev/zero of=${marker} bs=1 count=1`);
    await waitForScreen(/portcullis: denied: dd onto device .* is not allowed/);
    await delay(500);
    assert.equal(existsSync(marker), false, 'the denied command ran on the host');

    // The session is still usable and the refused line did not linger in the shell's buffer.
    await type('echo still-here');
    const after = await waitForScreen(/^still-here$/m);
    assert.doesNotMatch(after, /records in|bytes copied/, 'dd output appeared: the line ran');
    assert.equal(existsSync(marker), false);
    await type('exit');
  });
});
