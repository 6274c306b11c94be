import type ssh2 from 'ssh2';

/**
 * Connection-level requests the proxy refuses: every kind of port
 * forwarding, local (`direct-tcpip`), remote (`tcpip-forward`) and Unix
 * sockets (`streamlocal`), and any other global request. Each is rejected,
 * never ignored, so the client learns at once; `onRefused` records it.
 */
export function refuseOtherRequests(
  client: ssh2.Connection,
  onRefused: (argv: string[], reason: string) => void,
): void {
  client.on('tcpip', (_accept, reject, info) => {
    onRefused(
      ['direct-tcpip', `${info.destIP}:${info.destPort}`],
      'port forwarding is not allowed through the proxy',
    );
    reject();
  });
  client.on('openssh.streamlocal', (_accept, reject, info) => {
    onRefused(['direct-streamlocal', info.socketPath], 'socket forwarding is not allowed through the proxy');
    reject();
  });
  client.on('request', (_accept, reject, name, info) => {
    const bind = info as { bindAddr?: string; bindPort?: number; socketPath?: string };
    const where =
      bind.bindAddr !== undefined
        ? [`${bind.bindAddr}:${bind.bindPort}`]
        : bind.socketPath !== undefined
          ? [bind.socketPath]
          : [];
    onRefused([name, ...where], `${name} is not allowed through the proxy`);
    reject?.();
  });
}
