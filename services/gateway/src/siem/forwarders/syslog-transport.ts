import { hostname } from 'node:os';
import { connect as tcpConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { SyslogForwarderConfig } from '../../config/siem-config.js';
import { octetCounted, syslogMessage, type SyslogHeader } from './syslog-message.js';
import type { ForwarderTransport, Outgoing } from './transport.js';
import { readConfiguredFile } from './read-configured-file.js';

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Syslog over TCP (RFC 6587, octet counting), optionally TLS (RFC 5425).
 * TCP syslog has no acknowledgement: a batch counts as accepted once it was
 * handed to the kernel and the connection stayed up for `confirmAfterMs`
 * after that (a receiver that stops closes it, which is seen within that
 * time on any sane network). Anything not confirmed is sent again, so a
 * receiver sees repeats (the event id deduplicates them), never a gap.
 */
export class SyslogTransport implements ForwarderTransport {
  readonly description: string;
  private socket: Socket | undefined;
  private closedError: Error | undefined;
  private readonly header: SyslogHeader;
  private readonly tls: { ca?: Buffer; cert?: Buffer; key?: Buffer; servername?: string } | undefined;

  constructor(private readonly config: SyslogForwarderConfig) {
    this.description = `syslog${config.tls ? '+tls' : ''}://${config.host}:${config.port}`;
    this.header = {
      facility: config.facility,
      hostname: hostname(),
      appName: config.appName,
      procId: String(process.pid),
    };
    const tls = config.tls;
    this.tls = tls && {
      ...(tls.caFile ? { ca: readConfiguredFile(config.name, 'tls.caFile', tls.caFile) } : {}),
      ...(tls.certFile ? { cert: readConfiguredFile(config.name, 'tls.certFile', tls.certFile) } : {}),
      ...(tls.keyFile ? { key: readConfiguredFile(config.name, 'tls.keyFile', tls.keyFile) } : {}),
      // SNI takes host names only (RFC 6066); an IP address is still checked against the certificate.
      ...(tls.serverName || !isIP(config.host) ? { servername: tls.serverName ?? config.host } : {}),
    };
  }

  async deliver(batch: readonly Outgoing[]): Promise<void> {
    if (batch.length === 0) return;
    const socket = this.socket ?? (await this.connect());
    const payload = Buffer.concat(batch.map((out) => octetCounted(syslogMessage(out, this.header))));
    await new Promise<void>((resolve, reject) =>
      socket.write(payload, (error) => (error ? reject(error) : resolve())),
    );
    await this.settle(socket);
  }

  async probe(): Promise<string> {
    await this.connect();
    await this.close();
    return `${this.description} accepts connections${this.tls ? ' (TLS, certificate verified)' : ''}`;
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
      setTimeout(() => socket.destroy(), 1_000).unref();
    });
  }

  /** Waits confirmAfterMs; rejects when the connection ends meanwhile. */
  private async settle(socket: Socket): Promise<void> {
    if (this.config.confirmAfterMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.config.confirmAfterMs);
        socket.once('close', done);
        function done() {
          clearTimeout(timer);
          socket.off('close', done);
          resolve();
        }
      });
    }
    if (this.socket !== socket || socket.destroyed) {
      throw new Error(
        `the connection to ${this.description} closed: ${this.closedError?.message ?? 'by the peer'}`,
      );
    }
  }

  private connect(): Promise<Socket> {
    return new Promise<Socket>((resolve, reject) => {
      const { host, port } = this.config;
      const socket = this.tls
        ? tlsConnect({ host, port, ...this.tls, rejectUnauthorized: true })
        : tcpConnect({ host, port });
      const timer = setTimeout(
        () => socket.destroy(new Error(`no connection within ${CONNECT_TIMEOUT_MS} ms`)),
        CONNECT_TIMEOUT_MS,
      );
      const failed = (error: Error) => {
        clearTimeout(timer);
        reject(new Error(`cannot connect to ${this.description}: ${error.message}`));
      };
      socket.once('error', failed);
      socket.once(this.tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.off('error', failed);
        socket.setKeepAlive(true, 10_000);
        this.closedError = undefined;
        socket.on('error', (error) => (this.closedError = error));
        // A receiver sends nothing; its end (or any close) means what was written since may be lost.
        socket.on('end', () => socket.destroy());
        socket.on('data', () => {});
        socket.once('close', () => {
          if (this.socket === socket) this.socket = undefined;
        });
        this.socket = socket;
        resolve(socket);
      });
    });
  }
}
