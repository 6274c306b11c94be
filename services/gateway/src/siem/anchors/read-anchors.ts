import type { AuditAnchorSignedData } from '@portcullis/events';

/** One anchor as found in an export, with where it was recorded when the export says. */
export interface ExportedAnchor {
  readonly data: AuditAnchorSignedData;
  /** Its stream (`gateway-<instance>.anchors`) and revision there, when the export carries them. */
  readonly streamName: string | undefined;
  readonly revision: number | undefined;
  readonly eventId: string | undefined;
}

export interface AnchorsFile {
  readonly anchors: ExportedAnchor[];
  /** Lines that held no JSON at all, or JSON that did not parse (other lines are events, not anchors). */
  readonly unreadable: number;
}

/**
 * Reads anchors from what a SIEM exports, in any of the shapes the gateway
 * sends them:
 * - JSON lines (or one JSON array) of events in the `json` feed format
 *   (`{"type":"AuditAnchorSigned","data":{…},"streamName",…}`),
 * - the same in OCSF (`unmapped.portcullis.anchor`),
 * - Splunk HEC envelopes (`{"event": …}`), a generic forwarder's arrays,
 * - syslog lines (anything before the first `{` is ignored: the header),
 * - the bare anchor objects.
 * Every other event in the export is skipped.
 */
export function readAnchors(text: string): AnchorsFile {
  const anchors: ExportedAnchor[] = [];
  const whole = tryParse(text.trim());
  if (whole !== undefined) {
    collect(whole, anchors);
    return { anchors, unreadable: 0 };
  }
  let unreadable = 0;
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const start = line.indexOf('{');
    const value = start === -1 ? undefined : tryParse(line.slice(start));
    if (value === undefined) unreadable += 1;
    else collect(value, anchors);
  }
  return { anchors, unreadable };
}

function collect(value: unknown, into: ExportedAnchor[]): void {
  if (Array.isArray(value)) {
    for (const item of value) collect(item, into);
    return;
  }
  if (!isObject(value)) return;
  if (value.type === 'AuditAnchorSigned' && isAnchor(value.data)) {
    into.push({
      data: value.data,
      streamName: typeof value.streamName === 'string' ? value.streamName : undefined,
      revision: typeof value.revision === 'number' ? value.revision : undefined,
      eventId: typeof value.id === 'string' ? value.id : undefined,
    });
    return;
  }
  const portcullis = isObject(value.unmapped) ? value.unmapped.portcullis : undefined;
  if (isObject(portcullis) && isAnchor(portcullis.anchor)) {
    const metadata = isObject(value.metadata) ? value.metadata : {};
    into.push({
      data: portcullis.anchor,
      streamName: typeof portcullis.stream === 'string' ? portcullis.stream : undefined,
      revision: typeof portcullis.revision === 'number' ? portcullis.revision : undefined,
      eventId: typeof metadata.uid === 'string' ? metadata.uid : undefined,
    });
    return;
  }
  if ('event' in value) return collect(value.event, into);
  if (isAnchor(value))
    into.push({ data: value, streamName: undefined, revision: undefined, eventId: undefined });
}

function isAnchor(value: unknown): value is AuditAnchorSignedData {
  return (
    isObject(value) &&
    value.algorithm === 'ed25519' &&
    typeof value.signature === 'string' &&
    typeof value.headsDigest === 'string' &&
    typeof value.asOf === 'string' &&
    typeof value.sequence === 'number'
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
