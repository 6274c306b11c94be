import { StringDecoder } from 'node:string_decoder';
import type { RecordedOutput } from '@portcullis/session';

/**
 * Records one terminal channel as `OutputRecorded` batches with asciicast v2
 * timing ([seconds since the channel started, "o" | "i" | "r", data]).
 *
 * The byte path never waits for the store: frames are buffered and a batch
 * is appended when it reaches `maxBatchBytes` or `flushAfterMs` after its
 * first frame. The buffer is bounded: when the bytes not yet durable
 * (buffered plus in flight) exceed `maxPendingBytes`, `onPressure(true)`
 * asks the caller to stop reading the upstream until they drop below half
 * (`onPressure(false)`). A failed append calls `onFailure` once and the
 * recording stops taking frames: the caller closes the channel (fail closed).
 */
export interface RecordingLimits {
  readonly maxBatchBytes: number;
  readonly flushAfterMs: number;
  readonly maxPendingBytes: number;
}

export const DEFAULT_RECORDING_LIMITS: RecordingLimits = {
  maxBatchBytes: 32 * 1024,
  flushAfterMs: 100,
  maxPendingBytes: 1024 * 1024,
};

export interface RecordingEvents {
  onPressure(paused: boolean): void;
  onFailure(error: unknown): void;
}

type Frame = [number, 'o' | 'i' | 'r', string];

export class TerminalRecording {
  private frames: Frame[] = [];
  private batchBytes = 0;
  private pendingBytes = 0;
  private paused = false;
  private failed = false;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private readonly decoders = { o: new StringDecoder('utf8'), i: new StringDecoder('utf8') };
  private readonly startedAt = process.hrtime.bigint();

  constructor(
    private readonly append: (batch: RecordedOutput) => Promise<void>,
    private readonly channel: number,
    private readonly startOffsetSeconds: number,
    private readonly events: RecordingEvents,
    private readonly limits: RecordingLimits = DEFAULT_RECORDING_LIMITS,
  ) {}

  output(data: Buffer): void {
    this.frame('o', this.decoders.o.write(data), data.length);
  }

  input(data: Buffer): void {
    this.frame('i', this.decoders.i.write(data), data.length);
  }

  /** Text the proxy itself wrote to the client (a refusal): the replay shows what the client saw. */
  notice(text: string): void {
    this.frame('o', text, Buffer.byteLength(text));
  }

  resize(cols: number, rows: number): void {
    this.frame('r', `${cols}x${rows}`, 0);
  }

  /** Flushes what is left and resolves once every batch is durable (or the recording failed). */
  async close(): Promise<void> {
    this.frame('o', this.decoders.o.end(), 0);
    this.frame('i', this.decoders.i.end(), 0);
    this.flush();
    await this.inFlight;
  }

  get broken(): boolean {
    return this.failed;
  }

  private frame(stream: Frame[1], data: string, bytes: number): void {
    if (this.failed || (data === '' && stream !== 'r')) return;
    const seconds = Number(process.hrtime.bigint() - this.startedAt) / 1e9;
    this.frames.push([Math.round(seconds * 1e6) / 1e6, stream, data]);
    this.batchBytes += bytes;
    this.pendingBytes += bytes;
    if (!this.paused && this.pendingBytes > this.limits.maxPendingBytes) {
      this.paused = true;
      this.events.onPressure(true);
    }
    if (this.batchBytes >= this.limits.maxBatchBytes) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.limits.flushAfterMs);
      this.timer.unref();
    }
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.frames.length === 0 || this.failed) return;
    const batch: RecordedOutput = {
      channel: this.channel,
      startOffsetSeconds: this.startOffsetSeconds,
      frames: this.frames,
      bytes: this.batchBytes,
    };
    const bytes = this.batchBytes;
    this.frames = [];
    this.batchBytes = 0;
    // The session recorder chains appends in call order; this only tracks the last one.
    const appended = this.append(batch).then(
      () => {
        this.pendingBytes -= bytes;
        if (this.paused && this.pendingBytes <= this.limits.maxPendingBytes / 2) {
          this.paused = false;
          this.events.onPressure(false);
        }
      },
      (error: unknown) => {
        if (this.failed) return;
        this.failed = true;
        this.frames = [];
        this.events.onFailure(error);
      },
    );
    this.inFlight = Promise.all([this.inFlight, appended]).then(() => undefined);
  }
}
