import type { Outgoing } from './transport.js';

/**
 * RFC 5424 messages, framed by octet counting (RFC 6587 §3.4.1: `<length>
 * SP <message>`), so a JSON body may hold any byte, newlines included.
 *
 *   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [portcullis@32473 id="…" position="…"] MSG
 *
 * PRI = facility × 8 + severity; TIMESTAMP is the event's recordedAt; MSGID
 * its catalog type; the structured data names the event id (a receiver
 * deduplicates at-least-once repeats on it) and its global position; MSG is
 * the event in the feed format, one JSON object. 32473 is the private
 * enterprise number RFC 5612 reserves for examples: Portcullis has none.
 */
export const SD_ID = 'portcullis@32473';

export interface SyslogHeader {
  readonly facility: number;
  readonly hostname: string;
  readonly appName: string;
  readonly procId: string;
}

/** RFC 5424 severities by OCSF severity_id (Informational 1 … Fatal 6); the JSON format is informational. */
const SEVERITY_BY_OCSF: Readonly<Record<number, number>> = { 1: 6, 2: 5, 3: 4, 4: 3, 5: 2, 6: 1 };

export function syslogMessage(out: Outgoing, header: SyslogHeader): string {
  const ocsfSeverity = out.record.severity_id;
  const severity = typeof ocsfSeverity === 'number' ? (SEVERITY_BY_OCSF[ocsfSeverity] ?? 6) : 6;
  const pri = header.facility * 8 + severity;
  const sd = `[${SD_ID} id="${sdValue(out.event.id)}" position="${out.event.position.commit}/${out.event.position.prepare}"]`;
  return [
    `<${pri}>1`,
    out.event.metadata.recordedAt,
    printable(header.hostname, 255),
    printable(header.appName, 48),
    printable(header.procId, 128),
    printable(out.event.type, 32),
    sd,
    JSON.stringify(out.record),
  ].join(' ');
}

export function octetCounted(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}

/** Header fields are PRINTUSASCII without spaces; NILVALUE when nothing is left. */
function printable(value: string, max: number): string {
  const cleaned = value.replace(/[^!-~]/g, '_').slice(0, max);
  return cleaned || '-';
}

/** PARAM-VALUE escapes `"`, `\` and `]` (RFC 5424 §6.3.3). */
function sdValue(value: string): string {
  return value.replace(/["\\\]]/g, (c) => `\\${c}`);
}
