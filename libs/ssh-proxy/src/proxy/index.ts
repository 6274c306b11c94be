export { startSshProxy, SshProxyConfigError, type SshProxy } from './ssh-proxy-server.js';
export type { SshProxyOptions, SshTarget, SshUpstream, ProxyLogger } from './proxy-options.js';
export { SessionRefusal } from './session-refusal.js';
export { DEFAULT_STARTUP_TIMEOUT_MS } from './handle-connection.js';
export { DENIED_EXIT_STATUS } from './exec-command.js';
export { loadOrCreateHostKey, generateEd25519OpenSshKey, publicKeyLine, HostKeyError } from './host-key.js';
export { ENV_ALLOWLIST } from './session-channel.js';
export { DISCARD_LINE } from './interactive-shell.js';
export { DEFAULT_RECORDING_LIMITS, type RecordingLimits } from '../terminal/terminal-recording.js';
