import Type from 'typebox';
import { ValidationError } from '@portcullis/events';

/** `host:port` in the config file (IPv6 in brackets). */
export const HostPort = Type.String({
  pattern: '^[^\\s:]+:\\d{1,5}$|^\\[[0-9a-fA-F:]+\\]:\\d{1,5}$',
  description: 'host:port, e.g. 127.0.0.1:8080',
});

export function parseHostPort(value: string, where: string): { host: string; port: number } {
  const match = /^(.*):(\d{1,5})$/.exec(value);
  const port = Number(match?.[2]);
  if (!match || !match[1] || port > 65535) {
    throw new ValidationError(`${where} must be host:port`, [{ path: where, message: `got "${value}"` }]);
  }
  return { host: match[1].replace(/^\[|\]$/g, ''), port };
}
