/**
 * @portcullis/ssh-proxy — the SSH proxy: token authentication, per-target
 * upstreams with pinned host keys, and policy-decided, write-ahead-audited
 * `exec` commands.
 */
export * from './proxy/index.js';
export { parseCommandLine, quoteWord, type CommandLine } from './command/command-line.js';
export { connectUpstream as connectSshUpstream } from './proxy/connect-upstream.js';
export {
  CommandSession,
  CommandSessionEnded,
  type CommandSessionOptions,
  type ExecResult,
} from './direct/command-session.js';
export type { ExecDecision } from './proxy/decide-command.js';
