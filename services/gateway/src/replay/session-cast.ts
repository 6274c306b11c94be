import type { Recorded, SessionEvent } from '@portcullis/events';

/**
 * A recorded session as an asciicast v2 recording
 * (https://docs.asciinema.org/manual/asciicast/v2/): a header line, then one
 * `[time, code, data]` event per line. Built from the session stream's
 * `OutputRecorded` batches; times are seconds from the first recorded
 * channel's start (each batch carries its channel's offset from the session
 * start). The first resize frame gives the header's size; later size
 * changes stay as "r" events.
 *
 * Options (the console's player uses both): `input: false` leaves out the
 * "i" frames (what was typed, recorded only with `ssh.recordInput`, which
 * includes passwords typed at prompts): the cast then holds only what the
 * terminal showed. `markers: true` adds an asciicast "m" marker for each
 * command line decided while a recorded channel was open (its
 * `CommandReceived`), labelled with the line, at the time it was received.
 */
export interface AsciicastHeader {
  readonly version: 2;
  readonly width: number;
  readonly height: number;
  readonly timestamp: number;
  readonly title: string;
}

export type AsciicastEvent = [number, 'o' | 'i' | 'r' | 'm', string];

export interface SessionCast {
  readonly header: AsciicastHeader;
  readonly events: AsciicastEvent[];
}

export interface SessionCastOptions {
  /** Keep the "i" (typed input) frames; default true. */
  readonly input?: boolean;
  /** Add "m" markers for the command lines received while a recorded channel was open; default false. */
  readonly markers?: boolean;
}

const DEFAULT_SIZE = { width: 80, height: 24 };

/** Returns null when the stream has no terminal recording. */
export function sessionCast(
  stream: readonly Recorded<SessionEvent>[],
  channel?: number,
  options: SessionCastOptions = {},
): SessionCast | null {
  const opened = stream.find((e) => e.type === 'SessionOpened');
  const recorded = stream.filter(
    (e): e is Recorded<Extract<SessionEvent, { type: 'OutputRecorded' }>> =>
      e.type === 'OutputRecorded' && (channel === undefined || e.data.channel === channel),
  );
  const batches = recorded.map((e) => e.data);
  if (batches.length === 0) return null;
  const origin = Math.min(...batches.map((b) => b.startOffsetSeconds));
  const frames = batches.flatMap((b) =>
    b.frames.map(([time, code, data]): AsciicastEvent => [
      round(b.startOffsetSeconds - origin + time),
      code,
      data,
    ]),
  );
  // Stable: frames of one batch keep their order when times tie.
  const openedAt = opened ? Date.parse(opened.metadata.recordedAt) / 1000 : 0;
  if (options.markers) frames.push(...commandMarkers(stream, recorded, origin));
  frames.sort((a, b) => a[0] - b[0]);
  let size = DEFAULT_SIZE;
  const firstResize = frames.find((f) => f[1] === 'r' && parseSize(f[2]));
  if (firstResize) size = parseSize(firstResize[2]) ?? size;
  let current = `${size.width}x${size.height}`;
  const events = frames.filter((f) => {
    if (f[1] === 'i') return options.input !== false;
    if (f[1] !== 'r') return true;
    if (f[2] === current || !parseSize(f[2])) return false;
    current = f[2];
    return true;
  });
  const target = opened?.type === 'SessionOpened' ? opened.data.target.name : undefined;
  const sessionId = stream[0]?.data.sessionId ?? '';
  return {
    header: {
      version: 2,
      width: size.width,
      height: size.height,
      timestamp: Math.floor(openedAt + origin),
      title: `portcullis session ${sessionId}${target ? ` on ${target}` : ''}`,
    },
    events,
  };
}

/** The asciicast v2 file: newline-delimited JSON. */
export function* asciicastLines(cast: SessionCast): Generator<string> {
  yield JSON.stringify(cast.header);
  for (const event of cast.events) yield JSON.stringify(event);
}

/**
 * A marker for each command line received while one of the recorded
 * channels was open (from its first to its last frame): on a terminal
 * channel those are the lines typed at the prompt. `CommandReceived` does
 * not name its channel, so an exec on another channel at the same time
 * would be marked too.
 *
 * A command's time is its `recordedAt`, the store's clock, and frames are
 * timed by the proxy's: the two meet through the batches, which carry
 * both. A batch is stored after its last frame, so the cast's start on the
 * store's clock is at most each batch's `recordedAt` minus its last frame's
 * cast time; the smallest of these is taken (the batch stored soonest
 * after its last frame). Both kinds of event wait the same for the store,
 * so a marker sits about where its line was typed (within the recording's
 * flush interval, 100 ms, either way), not off by the store's latency.
 */
function commandMarkers(
  stream: readonly Recorded<SessionEvent>[],
  recorded: readonly Recorded<Extract<SessionEvent, { type: 'OutputRecorded' }>>[],
  origin: number,
): AsciicastEvent[] {
  const spans = new Map<number, { from: number; to: number }>();
  let castStart = Infinity;
  for (const { data: b, metadata } of recorded) {
    const from = b.startOffsetSeconds - origin;
    const to = from + Math.max(0, ...b.frames.map((f) => f[0]));
    const span = spans.get(b.channel);
    spans.set(
      b.channel,
      span ? { from: Math.min(span.from, from), to: Math.max(span.to, to) } : { from, to },
    );
    const storedAt = Date.parse(metadata.recordedAt) / 1000;
    if (Number.isFinite(storedAt)) castStart = Math.min(castStart, storedAt - to);
  }
  if (!Number.isFinite(castStart)) return [];
  // A line is received after its Enter was typed, so up to a second after the channel's last frame still counts.
  const open = (time: number) => [...spans.values()].some((s) => time >= s.from && time <= s.to + 1);
  return stream.flatMap((e): AsciicastEvent[] => {
    if (e.type !== 'CommandReceived' || e.data.protocol !== 'ssh') return [];
    const time = Date.parse(e.metadata.recordedAt) / 1000 - castStart;
    return open(time) ? [[round(Math.max(0, time)), 'm', e.data.text]] : [];
  });
}

function parseSize(text: string): { width: number; height: number } | null {
  const match = /^(\d+)x(\d+)$/.exec(text);
  const size = match ? { width: Number(match[1]), height: Number(match[2]) } : null;
  // A client without a terminal of its own (`ssh -tt` from a pipe) asks for a 0x0 pty: no size.
  return size && size.width > 0 && size.height > 0 ? size : null;
}

const round = (seconds: number) => Math.round(seconds * 1e6) / 1e6;
