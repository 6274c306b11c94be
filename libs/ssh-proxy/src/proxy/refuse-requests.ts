import type ssh2 from 'ssh2';

/**
 * Everything but `exec` is refused this round: interactive shells and ptys
 * (need terminal recording and per-line decisions), sftp/scp subsystems (need
 * per-file decisions), environment variables (could change what an allowed
 * program runs, e.g. LD_PRELOAD), agent and X11 forwarding, signals, and
 * every kind of port forwarding. Each request is rejected, never ignored,
 * so the client learns at once.
 */
export function refuseSessionRequests(session: ssh2.Session, onRefused: (what: string) => void): void {
  const refuse = (what: string) => (accept?: unknown, reject?: () => void) => {
    onRefused(what);
    reject?.();
  };
  session.on('pty', refuse('pty'));
  session.on('shell', refuse('shell'));
  session.on('subsystem', refuse('subsystem'));
  session.on('sftp', refuse('sftp'));
  session.on('env', refuse('env'));
  session.on('x11', refuse('x11'));
  session.on('auth-agent', refuse('auth-agent'));
  session.on('signal', refuse('signal'));
  session.on('window-change', refuse('window-change'));
}

export function refuseOtherRequests(client: ssh2.Connection, onRefused: (what: string) => void): void {
  client.on('tcpip', (_accept, reject) => {
    onRefused('direct-tcpip');
    reject();
  });
  client.on('openssh.streamlocal', (_accept, reject) => {
    onRefused('direct-streamlocal');
    reject();
  });
  client.on('request', (_accept, reject, name) => {
    onRefused(name);
    reject?.();
  });
}
