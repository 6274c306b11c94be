import type ssh2 from 'ssh2';
import type { RecordingEvents, TerminalRecording } from '../terminal/terminal-recording.js';

/** The pty a client asked for (`pty-req`), as the upstream is asked for it. */
export interface TerminalRequest {
  term: string;
  cols: number;
  rows: number;
  width: number;
  height: number;
  modes?: ssh2.TerminalModes;
}

export interface WindowSize {
  readonly cols: number;
  readonly rows: number;
  readonly width: number;
  readonly height: number;
}

/** What a running channel accepts from the client while it runs. */
export interface RunningChannel {
  resize(size: WindowSize): void;
  signal(name: string): void;
}

/** A session channel's requests before its shell, exec or subsystem: the pty, the allowed environment. */
export interface ChannelSetup {
  readonly terminal?: TerminalRequest;
  readonly env: Record<string, string>;
  /** Starts recording this channel (numbered within the session, timed from now). */
  record(events: RecordingEvents): TerminalRecording;
  /** Registers the running program, for window changes and signals. */
  running(channel: RunningChannel): void;
}
