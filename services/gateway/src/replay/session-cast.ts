import type { Recorded, SessionEvent } from '@portcullis/events';

/**
 * A recorded session as an asciicast v2 recording
 * (https://docs.asciinema.org/manual/asciicast/v2/): a header line, then one
 * `[time, code, data]` event per line. Built from the session stream's
 * `OutputRecorded` batches; times are seconds from the first recorded
 * channel's start (each batch carries its channel's offset from the session
 * start). The first resize frame gives the header's size; later size
 * changes stay as "r" events.
 */
export interface AsciicastHeader {
  readonly version: 2;
  readonly width: number;
  readonly height: number;
  readonly timestamp: number;
  readonly title: string;
}

export type AsciicastEvent = [number, 'o' | 'i' | 'r', string];

export interface SessionCast {
  readonly header: AsciicastHeader;
  readonly events: AsciicastEvent[];
}

const DEFAULT_SIZE = { width: 80, height: 24 };

/** Returns null when the stream has no terminal recording. */
export function sessionCast(stream: readonly Recorded<SessionEvent>[], channel?: number): SessionCast | null {
  const opened = stream.find((e) => e.type === 'SessionOpened');
  const batches = stream
    .flatMap((e) => (e.type === 'OutputRecorded' ? [e.data] : []))
    .filter((b) => channel === undefined || b.channel === channel);
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
  frames.sort((a, b) => a[0] - b[0]);
  let size = DEFAULT_SIZE;
  const firstResize = frames.find((f) => f[1] === 'r');
  if (firstResize) size = parseSize(firstResize[2]) ?? size;
  let current = `${size.width}x${size.height}`;
  const events = frames.filter((f) => {
    if (f[1] !== 'r') return true;
    if (f[2] === current) return false;
    current = f[2];
    return true;
  });
  const openedAt = opened ? Date.parse(opened.metadata.recordedAt) / 1000 : 0;
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

function parseSize(text: string): { width: number; height: number } | null {
  const match = /^(\d+)x(\d+)$/.exec(text);
  return match ? { width: Number(match[1]), height: Number(match[2]) } : null;
}

const round = (seconds: number) => Math.round(seconds * 1e6) / 1e6;
