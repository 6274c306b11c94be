import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import ssh2 from 'ssh2';
import type { EventStore } from '@portcullis/eventstore';
import type { NewEvent, RecordedEvent } from '@portcullis/events';
import { startSshProxy } from './ssh-proxy-server.js';
import { DEPLOYER, DEV_HOST, startProxyWorld, type ProxyWorld } from './testing/proxy-fixture.js';
import { openTerminal, type Terminal } from './testing/terminal-client.js';

interface OutputData {
  channel: number;
  startOffsetSeconds: number;
  frames: [number, 'o' | 'i' | 'r', string][];
  bytes: number;
}

describe('interactive shells through the SSH proxy (OpenSSH sshd upstream, bash)', () => {
  let world: ProxyWorld;
  const markers: string[] = [];
  const marker = (name: string) => {
    const path = `/dev/shm/portcullis-shell-${process.pid}-${name}`;
    markers.push(path);
    return path;
  };
  before(async () => {
    world = await startProxyWorld({ recordInput: true });
  });
  after(async () => {
    await world.stop();
    for (const path of markers) await rm(path, { force: true });
  });

  function connect(port = world.proxy.address.port): Promise<ssh2.Client> {
    return world.oidc.issueToken(DEPLOYER).then(
      (password) =>
        new Promise((resolve, reject) => {
          const client = new ssh2.Client();
          client.once('ready', () => resolve(client));
          client.once('error', reject);
          client.connect({ host: '127.0.0.1', port, username: DEV_HOST, password, tryKeyboard: false });
        }),
    );
  }

  async function withTerminal<T>(run: (terminal: Terminal, client: ssh2.Client) => Promise<T>): Promise<T> {
    const client = await connect();
    try {
      const terminal = await openTerminal(client);
      await terminal.prompt();
      return await run(terminal, client);
    } finally {
      client.end();
    }
  }

  /** The closed session whose CommandReceived texts include `text`. */
  async function sessionWith(text: string): Promise<RecordedEvent[]> {
    for (let i = 0; i < 100; i++) {
      const all = await world.store.readAll({ filter: { streamPrefixes: ['session-'] } });
      const streams = new Map<string, RecordedEvent[]>();
      for (const e of all) streams.set(e.streamName, [...(streams.get(e.streamName) ?? []), e]);
      for (const events of streams.values()) {
        const hit = events.some(
          (e) => e.type === 'CommandReceived' && (e.data as { text: string }).text === text,
        );
        if (hit && events.at(-1)?.type === 'SessionClosed') return events;
      }
      await delay(100);
    }
    assert.fail(`no closed session recorded ${JSON.stringify(text)}`);
  }

  const decisions = (events: RecordedEvent[]) =>
    events
      .filter((e) => e.type === 'CommandDecided')
      .map((e) => {
        const sequence = (e.data as { sequence: number }).sequence;
        const received = events.find(
          (r) => r.type === 'CommandReceived' && (r.data as { sequence: number }).sequence === sequence,
        );
        return {
          text: (received?.data as { text: string }).text,
          outcome: (e.data as { outcome: string }).outcome,
        };
      });

  const output = (events: RecordedEvent[], stream: 'o' | 'i' = 'o') =>
    events
      .filter((e) => e.type === 'OutputRecorded')
      .flatMap((e) => (e.data as OutputData).frames.filter((f) => f[1] === stream).map((f) => f[2]))
      .join('');

  it('an allowed typed command runs; a denied one is erased upstream and never runs; both are written ahead', async () => {
    const denied = marker('dd');
    const deniedLine = `dd if=/dev/zero of=${denied} bs=1 count=1`;
    await withTerminal(async (terminal) => {
      let from = await terminal.typeLine('echo shell-works');
      await terminal.waitFor(/\nshell-works\n/, from);
      from = await terminal.typeLine(deniedLine);
      await terminal.waitFor(/portcullis: denied: dd onto device .* is not allowed/, from);
      // The erased line must not run with the next Enter either.
      from = await terminal.typeLine('echo after-denial');
      await terminal.waitFor(/\nafter-denial\n/, from);
      await delay(200);
    });
    assert.equal(existsSync(denied), false, 'the denied typed command ran on the host');
    const events = await sessionWith(deniedLine);
    assert.deepEqual(decisions(events), [
      { text: 'echo shell-works', outcome: 'allow' },
      { text: deniedLine, outcome: 'deny' },
      { text: 'echo after-denial', outcome: 'allow' },
    ]);
    const blocked = events.find((e) => e.type === 'CommandBlocked')?.data as { errorCode: string };
    assert.equal(blocked.errorCode, 'line discarded');
    // Every decision is durable before the next event of its command (write-ahead order in the stream).
    const types = events.map((e) => e.type).filter((t) => t.startsWith('Command'));
    assert.deepEqual(types.slice(0, 3), ['CommandReceived', 'CommandDecided', 'CommandForwarded']);
    const recorded = events.filter((e) => e.type === 'OutputRecorded').map((e) => e.data as OutputData);
    assert.deepEqual(recorded[0]?.frames[0]?.slice(1), ['r', '100x30']);
    assert.match(output(events), /shell-works/);
    assert.match(output(events), /portcullis: denied: dd onto device/);
    assert.match(output(events, 'i'), /echo shell-works\r/);
    for (const batch of recorded) {
      let last = 0;
      for (const [time] of batch.frames) {
        assert.ok(time >= last, 'frame times go backwards');
        last = time;
      }
    }
  });

  it('reads the line as edited: backspace, Ctrl-U, Ctrl-A, left arrow', async () => {
    const denied = marker('edited');
    const sneaky = `dd if=/dev/zero of=${denied} bs=1 count=1`;
    await withTerminal(async (terminal) => {
      let from = await terminal.typeLine('echo abX\x7fc');
      await terminal.waitFor(/\nabc\n/, from);
      from = await terminal.typeLine('cho start\x01e');
      await terminal.waitFor(/\nstart\n/, from);
      from = await terminal.typeLine('echo rigt\x1b[Dh');
      await terminal.waitFor(/\nright\n/, from);
      // Ctrl-U discards "echo safe ": what runs is only what follows.
      from = await terminal.typeLine(`echo safe \x15${sneaky}`);
      await terminal.waitFor(/portcullis: denied: dd onto device/, from);
      from = await terminal.typeLine('echo done-editing');
      await terminal.waitFor(/\ndone-editing\n/, from);
    });
    assert.equal(existsSync(denied), false);
    const texts = decisions(await sessionWith('echo done-editing')).map((d) => d.text);
    assert.deepEqual(texts, ['echo abc', 'echo start', 'echo right', sneaky, 'echo done-editing']);
  });

  it('refuses a line it cannot read (tab completion, history recall) and shell-state builtins', async () => {
    const touched = marker('alias');
    await withTerminal(async (terminal) => {
      let from = await terminal.typeLine('echo tab\tbed');
      await terminal.waitFor(
        /portcullis: denied: .*the typed line could not be read \(tab completion\)/,
        from,
      );
      from = await terminal.typeLine('\x1b[A');
      await terminal.waitFor(/portcullis: denied: .*the typed line could not be read \(history recall/, from);
      from = await terminal.typeLine(`alias ls='touch ${touched}'`);
      await terminal.waitFor(/portcullis: denied: .*alias changes how the shell reads later lines/, from);
      from = await terminal.typeLine('ls /dev/null');
      await terminal.waitFor(/\n\/dev\/null\n/, from);
      from = await terminal.typeLine('echo !!');
      await terminal.waitFor(/portcullis: denied: history expansion/, from);
    });
    assert.equal(existsSync(touched), false, 'a refused alias took effect');
  });

  it('a bracketed paste is read as typed keys: each pasted line is decided at its own Enter', async () => {
    const denied = marker('paste');
    await withTerminal(async (terminal) => {
      const from = terminal.screen().length;
      terminal.stream.write(`\x1b[200~echo pasted-one\rdd if=/dev/zero of=${denied} bs=1 count=1\x1b[201~\r`);
      // The refusal is written at once; the host's echo of the pasted lines may come after it.
      await terminal.waitFor(/\npasted-one\n/, from);
      await terminal.waitFor(/portcullis: denied: dd onto device/, from);
      const next = await terminal.typeLine('echo after-paste');
      await terminal.waitFor(/\nafter-paste\n/, next);
    });
    assert.equal(existsSync(denied), false);
  });

  it('a paste marker split across packets refuses the line, and the refused text never runs with the next one', async () => {
    const denied = marker('split-paste');
    await withTerminal(async (terminal) => {
      const from = terminal.screen().length;
      // The start marker arrives in two packets: the proxy cannot drop it, and the
      // shell enters paste mode (the end marker, whole, the proxy does drop).
      terminal.stream.write('\x1b[20');
      await delay(100);
      terminal.stream.write(`0~touch ${denied}\x1b[201~\r`);
      await terminal.waitFor(/portcullis: denied: .*could not be read/, from);
      const next = await terminal.typeLine('echo after-split');
      await terminal.waitFor(/\nafter-split\n/, next);
    });
    assert.equal(existsSync(denied), false, 'the refused line did not run, alone or with the next one');
  });

  it('relays window changes (recorded as resize frames) and the exit status', async () => {
    const client = await connect();
    try {
      const terminal = await openTerminal(client);
      await terminal.prompt();
      terminal.stream.setWindow(40, 132, 0, 0);
      await delay(200);
      let from = await terminal.typeLine('tput cols');
      await terminal.waitFor(/\n132\n/, from);
      from = await terminal.typeLine('exit 3');
      const exit = await terminal.exit;
      assert.equal(exit.code, 3);
    } finally {
      client.end();
    }
    const events = await sessionWith('tput cols');
    const frames = events
      .filter((e) => e.type === 'OutputRecorded')
      .flatMap((e) => (e.data as OutputData).frames)
      .filter((f) => f[1] === 'r')
      .map((f) => f[2]);
    assert.deepEqual(frames, ['100x30', '132x40']);
  });

  it('relays exit signals; passes only allowlisted environment variables', async () => {
    // (Signal requests are relayed too, but OpenSSH's sshd ignores them, so only the exit signal is checked.)
    const client = await connect();
    try {
      const signalled = await new Promise<{ code: number | null; signal?: string }>((resolve, reject) =>
        client.exec('kill -TERM 0', (e, stream) => {
          if (e) return reject(e);
          let status: { code: number | null; signal?: string } = { code: null };
          stream.on('exit', (code: number | null, signal?: string) => (status = { code, signal }));
          stream.on('close', () => resolve(status));
          stream.resume();
        }),
      );
      assert.equal(signalled.signal, 'SIGTERM');
      const env = await new Promise<string>((resolve, reject) =>
        client.exec('printenv', { env: { LANG: 'C.UTF-8', PORTCULLIS_TEST_LEAK: 'yes' } }, (e, stream) => {
          if (e) return reject(e);
          let out = '';
          stream.on('data', (c: Buffer) => (out += c.toString()));
          stream.on('close', () => resolve(out));
        }),
      );
      assert.match(env, /^LANG=C\.UTF-8$/m);
      assert.doesNotMatch(env, /PORTCULLIS_TEST_LEAK/);
    } finally {
      client.end();
    }
  });

  it('agent forwarding and a shell without a pty are refused and recorded', async () => {
    const password = await world.oidc.issueToken(DEPLOYER);
    const client = await new Promise<ssh2.Client>((resolve, reject) => {
      const c = new ssh2.Client();
      c.once('ready', () => resolve(c));
      c.once('error', reject);
      c.connect({
        host: '127.0.0.1',
        port: world.proxy.address.port,
        username: DEV_HOST,
        password,
        agent: join(world.dir, 'no-agent.sock'),
        agentForward: true,
      });
    });
    try {
      await assert.rejects(
        new Promise((resolve, reject) => client.exec('echo agent', (e, s) => (e ? reject(e) : resolve(s)))),
        /agent forwarding/,
      );
    } finally {
      client.end();
    }
    const events = await sessionWith('auth-agent');
    const refused = decisions(events)
      .filter((d) => d.outcome === 'deny')
      .map((d) => d.text);
    assert.ok(refused.includes('auth-agent'), JSON.stringify(refused));
    const plain = await connect();
    try {
      await assert.rejects(
        new Promise((resolve, reject) => plain.shell(false, (e, s) => (e ? reject(e) : resolve(s)))),
      );
    } finally {
      plain.end();
    }
    assert.ok(decisions(await sessionWith('shell')).some((d) => d.text === 'shell' && d.outcome === 'deny'));
  });

  it('fails closed: a typed line whose write-ahead append fails is erased, not run', async () => {
    const touched = marker('store');
    const failing: EventStore = Object.create(world.store) as EventStore;
    failing.append = (stream: string, events: readonly NewEvent[], expected) =>
      events.some((e) => e.type === 'CommandReceived')
        ? Promise.reject(new Error('store down'))
        : world.store.append(stream, events, expected);
    const proxy = await startSshProxy({
      ...world.options,
      store: failing,
      hostKeyFile: join(world.dir, 'fs', 'k'),
    });
    const client = await connect(proxy.address.port);
    try {
      const terminal = await openTerminal(client);
      await terminal.prompt();
      const from = await terminal.typeLine(`touch ${touched}`);
      await terminal.waitFor(/portcullis: denied: audit store unavailable/, from);
      await delay(300);
    } finally {
      client.end();
      await proxy.close();
    }
    assert.equal(existsSync(touched), false);
  });

  it('fails closed: when the recording cannot be stored the channel is closed with a message', async () => {
    const failing: EventStore = Object.create(world.store) as EventStore;
    failing.append = (stream: string, events: readonly NewEvent[], expected) =>
      events.some((e) => e.type === 'OutputRecorded')
        ? Promise.reject(new Error('store down'))
        : world.store.append(stream, events, expected);
    const proxy = await startSshProxy({
      ...world.options,
      store: failing,
      hostKeyFile: join(world.dir, 'fr', 'k'),
    });
    const client = await connect(proxy.address.port);
    try {
      const terminal = await openTerminal(client);
      await terminal.waitFor(/portcullis: the session recording could not be stored; closing/);
      await terminal.exit;
    } finally {
      client.end();
      await proxy.close();
    }
  });
});
