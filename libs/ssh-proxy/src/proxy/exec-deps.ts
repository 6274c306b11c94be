import type ssh2 from 'ssh2';
import type { SessionRecorder } from '@portcullis/session';
import type { CommandContext } from './decide-command.js';
import type { ProxyLogger } from './proxy-options.js';
import type { ChannelSetup } from './terminal-request.js';

/** The exit status of a refused command, as shells use for "cannot execute". */
export const DENIED_EXIT_STATUS = 126;

/** Channel payload bytes of a session, for SessionClosed. */
export interface ByteCounters {
  fromClient: number;
  toClient: number;
}

export interface ExecDeps {
  readonly context: CommandContext;
  readonly recorder: SessionRecorder;
  readonly upstream: ssh2.Client;
  readonly bytes: ByteCounters;
  readonly logger: ProxyLogger;
  /** The pty and environment the client asked for on this channel. */
  readonly setup?: ChannelSetup;
}
