import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { cookie, csrfProblem, readCookie } from './console-http.js';

const request = (headers: Record<string, string>) => ({ headers, socket: {} }) as unknown as IncomingMessage;

describe('console CSRF rule', () => {
  const url = 'https://gw.example.org';

  it('accepts the right token from the own origin', () => {
    assert.equal(csrfProblem(request({ origin: url, host: 'gw.example.org' }), 'tok', 'tok', url), undefined);
  });

  it('refuses a foreign origin even with the right token', () => {
    assert.equal(
      csrfProblem(request({ origin: 'https://evil.example', host: 'gw.example.org' }), 'tok', 'tok', url),
      'origin',
    );
  });

  it('refuses a missing or wrong token', () => {
    assert.equal(csrfProblem(request({ origin: url }), 'tok', undefined, url), 'token');
    assert.equal(csrfProblem(request({ origin: url }), 'tok', 'tol', url), 'token');
    assert.equal(csrfProblem(request({}), 'tok', ['tok'], url), 'token');
  });
});

describe('console cookies', () => {
  it('are HttpOnly and SameSite=Lax, Secure only behind TLS', () => {
    assert.equal(
      cookie('a', 'b', { secure: false, maxAgeSeconds: 60 }),
      'a=b; Path=/; HttpOnly; SameSite=Lax; Max-Age=60',
    );
    assert.match(cookie('a', 'b', { secure: true, maxAgeSeconds: 60 }), /; Secure$/);
  });

  it('reads one cookie among several', () => {
    assert.equal(
      readCookie(request({ cookie: 'x=1; portcullis-console=abc; y=2' }), 'portcullis-console'),
      'abc',
    );
    assert.equal(readCookie(request({ cookie: 'x=1' }), 'portcullis-console'), undefined);
  });
});
