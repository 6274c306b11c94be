import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '@portcullis/events';
import { completeConfig } from './load-config.js';

function problems(siem: unknown): string[] {
  try {
    completeConfig({ siem }, 'test.yaml', '/etc/portcullis');
  } catch (error) {
    assert.ok(error instanceof ValidationError, String(error));
    return error.problems.map((p) => `${p.path} ${p.message}`);
  }
  assert.fail('expected the config to be refused');
}

test('siem: no forwarders and anchors on by default, the key in the data directory', () => {
  const config = completeConfig({}, 'x', '/etc/portcullis');
  assert.deepEqual(config.siem, {
    forwarders: [],
    anchors: {
      enabled: true,
      keyFile: '/etc/portcullis/data/audit-anchor-ed25519.pem',
      everyEvents: 1000,
      everySeconds: 60,
    },
  });
});

test('siem.forwarders: defaults filled in, paths relative to the config file', () => {
  process.env.PORTCULLIS_UNIT_HEC = 'x';
  const config = completeConfig(
    {
      siem: {
        forwarders: [
          { name: 'rsyslog', type: 'syslog', address: 'logs.example:6514', tls: { caFile: 'ca.pem' } },
          {
            name: 'splunk',
            type: 'http',
            style: 'hec',
            url: 'https://splunk:8088/services/collector/event',
            tokenEnv: 'PORTCULLIS_UNIT_HEC',
          },
        ],
      },
    },
    'x',
    '/etc/portcullis',
  );
  const [syslog, hec] = config.siem.forwarders;
  assert.deepEqual(syslog, {
    name: 'rsyslog',
    format: 'ocsf',
    batchSize: 500,
    from: 'start',
    retry: { initialDelayMs: 500, maxDelayMs: 30_000 },
    degradedAfterSeconds: 60,
    type: 'syslog',
    host: 'logs.example',
    port: 6514,
    tls: { caFile: '/etc/portcullis/ca.pem' },
    appName: 'portcullis',
    facility: 13,
    confirmAfterMs: 500,
  });
  assert.equal(hec?.type === 'http' && hec.sourcetype, 'portcullis:ocsf');
  assert.deepEqual(hec?.type === 'http' && hec.token, { env: 'PORTCULLIS_UNIT_HEC' });
});

test('siem.forwarders: each mistake named with its path', () => {
  assert.ok(
    problems({ forwarders: [{ name: 'a', type: 'kafka' }] }).some((p) => p.startsWith('/siem/forwarders/0')),
  );
  assert.ok(
    problems({ forwarders: [{ name: 'a', type: 'syslog', address: 'nohost' }] }).some((p) =>
      p.startsWith('/siem/forwarders/0/address'),
    ),
  );
  assert.ok(
    problems({ forwarders: [{ name: 'a', type: 'syslog', address: 'h:1', format: 'cef' }] }).some((p) =>
      p.startsWith('/siem/forwarders/0/format'),
    ),
  );
  assert.deepEqual(
    problems({
      forwarders: [
        { name: 'a', type: 'syslog', address: 'h:1' },
        { name: 'a', type: 'http', url: 'http://h/x' },
      ],
    }),
    ['/siem/forwarders/1/name repeats the name a: each forwarder has its own checkpoint'],
  );
  assert.deepEqual(problems({ forwarders: [{ name: 'h', type: 'http', style: 'hec', url: 'http://h/x' }] }), [
    '/siem/forwarders/0 style hec needs tokenEnv or tokenFile (the HEC token)',
  ]);
  assert.deepEqual(
    problems({
      forwarders: [{ name: 'h', type: 'http', url: 'http://h/x', tokenEnv: 'PORTCULLIS_UNIT_UNSET_VAR' }],
    }),
    ['/siem/forwarders/0/tokenEnv environment variable PORTCULLIS_UNIT_UNSET_VAR is not set'],
  );
  assert.deepEqual(
    problems({ forwarders: [{ name: 's', type: 'syslog', address: 'h:1', tls: { certFile: 'c.pem' } }] }),
    ['/siem/forwarders/0/tls certFile and keyFile go together (a client certificate)'],
  );
  assert.ok(
    problems({ anchors: { everySeconds: 0 } }).some((p) => p.startsWith('/siem/anchors/everySeconds')),
  );
  assert.ok(problems({ anchorz: {} }).some((p) => p.startsWith('/siem/anchorz')));
});
