import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RecordedEvent } from '@portcullis/events';
import { octetCounted, syslogMessage } from './syslog-message.js';

const event = {
  id: '7b1c9a52-0d1e-4b8e-9a51-3c2b1f0e9d11',
  type: 'CommandDecided',
  schemaVersion: 1,
  streamName: 'session-s1',
  revision: 2,
  position: { commit: 12n, prepare: 34n },
  hash: 'b'.repeat(64),
  data: {},
  metadata: {
    $correlationId: 's1',
    $causationId: null,
    actor: 'agent',
    gatewayInstance: 'gw',
    recordedAt: '2026-12-01T10:00:00.123Z',
    prevHash: 'a'.repeat(64),
  },
} as RecordedEvent;

describe('RFC 5424 message with octet-counting framing', () => {
  const header = { facility: 13, hostname: 'host one', appName: 'portcullis', procId: '42' };

  it('has PRI, version, timestamp, host, app, procid, msgid, structured data and the JSON body', () => {
    const message = syslogMessage({ event, record: { severity_id: 3, text: 'é "quoted" ]' } }, header);
    // facility 13 × 8 + severity 4 (warning, OCSF Medium) = 108
    assert.equal(
      message,
      '<108>1 2026-12-01T10:00:00.123Z host_one portcullis 42 CommandDecided ' +
        '[portcullis@32473 id="7b1c9a52-0d1e-4b8e-9a51-3c2b1f0e9d11" position="12/34"] ' +
        '{"severity_id":3,"text":"é \\"quoted\\" ]"}',
    );
    assert.match(syslogMessage({ event, record: {} }, header), /^<110>1 /, 'json format: informational');
  });

  it('frames with the byte length (not the character length) and a space', () => {
    const frame = octetCounted('é\nx');
    assert.equal(frame.toString('utf8'), '4 é\nx');
  });
});
