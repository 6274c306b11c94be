export { startSshProxy, SshProxyConfigError, type SshProxy } from './ssh-proxy-server.js';
export type { SshProxyOptions, SshTarget, SshUpstream, ProxyLogger } from './proxy-options.js';
export { SessionRefusal } from './session-refusal.js';
export { DENIED_EXIT_STATUS } from './exec-command.js';
export { loadOrCreateHostKey, generateEd25519OpenSshKey, publicKeyLine, HostKeyError } from './host-key.js';
