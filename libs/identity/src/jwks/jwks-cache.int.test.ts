import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { JwksUnavailableError } from '../errors.js';
import { newKey } from '../testing/local-issuer.js';
import { fetchJson } from './fetch-json.js';
import { JwksCache } from './jwks-cache.js';

type Route = (req: IncomingMessage, res: ServerResponse) => void;

/** A key endpoint whose answers each test sets: how real issuers misbehave. */
describe('JwksCache against misbehaving key endpoints', () => {
  const routes = new Map<string, Route>();
  let base = '';
  const server = createServer((req, res) =>
    (routes.get(req.url ?? '') ?? ((_, r) => r.writeHead(404).end()))(req, res),
  );
  const json =
    (body: unknown): Route =>
    (_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const config = {
    refreshAfterMs: 60_000,
    maxStaleMs: 600_000,
    minRefetchIntervalMs: 10_000,
  };
  let at = 0;
  const now = () => at;

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function failure(cache: JwksCache): Promise<string> {
    try {
      await cache.current();
    } catch (error) {
      assert.ok(error instanceof JwksUnavailableError);
      return error.message;
    }
    return 'keys served';
  }

  it('refuses a discovery document that names another issuer', async () => {
    routes.set('/d1', json({ issuer: 'https://someone-else', jwks_uri: `${base}/k1` }));
    routes.set('/k1', json({ keys: [(await newKey('ES256')).publicJwk] }));
    const cache = new JwksCache('https://idp', { ...config, discoveryUrl: `${base}/d1` }, fetchJson, now);
    assert.match(await failure(cache), /names issuer "https:\/\/someone-else"/);
  });

  it('refuses a discovery document whose jwks_uri is plain http off loopback', async () => {
    routes.set('/d2', json({ issuer: 'https://idp', jwks_uri: 'http://keys.example/jwks' }));
    const cache = new JwksCache('https://idp', { ...config, discoveryUrl: `${base}/d2` }, fetchJson, now);
    assert.match(await failure(cache), /https/);
  });

  it('does not follow redirects, nor read oversized documents', async () => {
    routes.set('/moved', (_req, res) => res.writeHead(302, { location: `${base}/k1` }).end());
    routes.set('/huge', json({ keys: [], padding: 'x'.repeat(600 * 1024) }));
    for (const path of ['/moved', '/huge']) {
      const cache = new JwksCache(
        'https://idp',
        { ...config, discoveryUrl: '', jwksUrl: `${base}${path}` },
        fetchJson,
        now,
      );
      assert.notEqual(await failure(cache), 'keys served', path);
    }
  });

  it('keeps working keys when the endpoint suddenly serves an empty or broken set', async () => {
    const key = await newKey('RS256');
    let body: unknown = { keys: [key.publicJwk] };
    routes.set('/k2', (_req, res) =>
      res.writeHead(200).end(typeof body === 'string' ? body : JSON.stringify(body)),
    );
    const cache = new JwksCache(
      'https://idp',
      { ...config, discoveryUrl: '', jwksUrl: `${base}/k2` },
      fetchJson,
      now,
    );
    const keySet = await cache.current();
    for (const broken of [{ keys: [] }, 'not json', { keys: 'nope' }]) {
      body = broken;
      at += 11_000;
      assert.equal(await cache.refetchForUnknownKey(), 'failed', JSON.stringify(broken));
      assert.equal(await cache.current(), keySet);
    }
  });
});
