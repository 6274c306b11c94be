import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from './testing/run-cli.js';

/** Usage errors are found before any request is made: exit 2 and what to give. */
const api = ['--api', 'http://127.0.0.1:9']; // never reached: each case fails before a request
const withToken = async <T>(run: () => Promise<T>): Promise<T> => {
  const before = process.env.PORTCULLIS_TOKEN;
  process.env.PORTCULLIS_TOKEN = 'not-a-real-token';
  try {
    return await run();
  } finally {
    if (before === undefined) delete process.env.PORTCULLIS_TOKEN;
    else process.env.PORTCULLIS_TOKEN = before;
  }
};

test('identities revoke needs a reason, and exactly one of issuer+subject or app id', async () => {
  await withToken(async () => {
    const noReason = await runCli(['identities', 'revoke', '--app-id', 'a', ...api]);
    assert.equal(noReason.status, 2);
    assert.match(noReason.stderr, /--reason say why/);
    const both = await runCli([
      'identities',
      'revoke',
      '--app-id',
      'a',
      '--subject',
      's',
      '--reason',
      'r',
      ...api,
    ]);
    assert.equal(both.status, 2);
    assert.match(both.stderr, /give --issuer and --subject, or --app-id/);
    const half = await runCli(['identities', 'revoke', '--subject', 's', '--reason', 'r', ...api]);
    assert.equal(half.status, 2);
    const badExpiry = await runCli([
      'identities',
      'revoke',
      '--app-id',
      'a',
      '--reason',
      'r',
      '--expires',
      'soon',
      ...api,
    ]);
    assert.equal(badExpiry.status, 2);
    assert.match(badExpiry.stderr, /--expires an ISO 8601 date-time, or a duration like 30m/);
  });
});

test('sessions terminate without a token says how to give one', async () => {
  const before = process.env.PORTCULLIS_TOKEN;
  delete process.env.PORTCULLIS_TOKEN;
  try {
    const result = await runCli(['sessions', 'terminate', 'some-session', ...api]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /PORTCULLIS_TOKEN/);
  } finally {
    if (before !== undefined) process.env.PORTCULLIS_TOKEN = before;
  }
});
