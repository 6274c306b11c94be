import { ValidationError } from '@portcullis/events';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { HttpForwarderConfig } from '../../config/siem-config.js';
import type { ForwarderTransport, Outgoing } from './transport.js';
import { readConfiguredFile } from './read-configured-file.js';

/**
 * HTTP JSON delivery. `hec`: Splunk HTTP Event Collector, one envelope per
 * event (`{"time","host","source","sourcetype","index","event"}`, batched
 * by concatenation as HEC takes them) with `Authorization: Splunk <token>`;
 * `json`: one JSON array of events, with `Authorization: Bearer <token>`
 * when a token is set. Any 2xx is acceptance; anything else (or no answer
 * within timeoutMs) fails the batch, which is sent again. The token is read
 * once, at start, and never appears in a log or an error.
 */
export class HttpTransport implements ForwarderTransport {
  readonly description: string;
  private readonly authorization: string | undefined;
  private readonly token: string | undefined;
  private readonly ca: Buffer | undefined;
  private readonly inFlight = new Set<AbortController>();

  constructor(
    private readonly config: HttpForwarderConfig,
    private readonly host: string,
  ) {
    const url = new URL(config.url);
    this.description = `${config.style} ${url.origin}${url.pathname}`;
    this.token = readToken(config);
    this.authorization =
      this.token === undefined ? undefined : `${config.style === 'hec' ? 'Splunk' : 'Bearer'} ${this.token}`;
    this.ca = config.caFile ? readConfiguredFile(config.name, 'caFile', config.caFile) : undefined;
  }

  async deliver(batch: readonly Outgoing[]): Promise<void> {
    if (batch.length === 0) return;
    const body =
      this.config.style === 'hec'
        ? batch.map((out) => JSON.stringify(this.envelope(out))).join('\n')
        : JSON.stringify(batch.map((out) => out.record));
    const status = await this.post(Buffer.from(body));
    if (status.code < 200 || status.code >= 300) {
      throw new Error(
        `${this.description} answered ${status.code}: ${this.redact(status.text.slice(0, 200))}`,
      );
    }
  }

  /** Nothing is sent: any POST would deliver. The token and files were read when this was made. */
  probe(): Promise<string> {
    return Promise.resolve(
      `${this.description}: ${this.token === undefined ? 'no token' : 'token'}${this.ca ? ' and CA' : ''} read; not contacted (a POST would deliver)`,
    );
  }

  async close(): Promise<void> {
    for (const controller of this.inFlight) controller.abort();
  }

  private envelope(out: Outgoing): Record<string, unknown> {
    return {
      time: Date.parse(out.event.metadata.recordedAt) / 1000,
      host: this.host,
      source: 'portcullis',
      sourcetype: this.config.sourcetype,
      ...(this.config.index ? { index: this.config.index } : {}),
      event: out.record,
    };
  }

  private post(body: Buffer): Promise<{ code: number; text: string }> {
    const url = new URL(this.config.url);
    const controller = new AbortController();
    this.inFlight.add(controller);
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<{ code: number; text: string }>((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          signal: controller.signal,
          timeout: this.config.timeoutMs,
          headers: {
            'content-type': 'application/json',
            'content-length': body.length,
            ...(this.authorization ? { authorization: this.authorization } : {}),
          },
          ...(this.ca ? { ca: this.ca } : {}),
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            if (text.length < 1000) text += chunk;
          });
          res.on('end', () => resolve({ code: res.statusCode ?? 0, text }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.config.timeoutMs} ms`)));
      req.on('error', (error) => reject(new Error(`cannot reach ${this.description}: ${error.message}`)));
      req.end(body);
    }).finally(() => this.inFlight.delete(controller));
  }

  private redact(text: string): string {
    return this.token ? text.split(this.token).join('[token]') : text;
  }
}

function readToken(config: HttpForwarderConfig): string | undefined {
  const source = config.token;
  if (!source) return undefined;
  const value =
    'env' in source
      ? process.env[source.env]
      : readConfiguredFile(config.name, 'tokenFile', source.file).toString('utf8');
  const token = value?.trim();
  if (!token) {
    throw new ValidationError(
      `forwarder ${config.name}: ${'env' in source ? `environment variable ${source.env}` : source.file} holds no token`,
    );
  }
  return token;
}
