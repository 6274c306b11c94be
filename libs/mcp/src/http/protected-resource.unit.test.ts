import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { protectedResourceMetadata, resourceMetadataUrl, resourceUrl } from './protected-resource.js';
import { bearerChallenge, verifyBearer } from './bearer-token.js';

test('the metadata URL of /mcp follows RFC 9728 (well-known inserted before the path)', () => {
  assert.equal(
    resourceMetadataUrl('https://gw.example/mcp'),
    'https://gw.example/.well-known/oauth-protected-resource/mcp',
  );
  assert.equal(
    resourceMetadataUrl('http://127.0.0.1:8080/'),
    'http://127.0.0.1:8080/.well-known/oauth-protected-resource',
  );
});

test('the resource is the configured URL, else the one the request reached', () => {
  const request = { headers: { host: '127.0.0.1:9000' } } as IncomingMessage;
  assert.equal(resourceUrl(undefined, request), 'http://127.0.0.1:9000/mcp');
  assert.equal(resourceUrl('https://gw.example/mcp/', request), 'https://gw.example/mcp');
  assert.deepEqual(protectedResourceMetadata('https://gw.example/mcp', ['https://issuer.example']), {
    resource: 'https://gw.example/mcp',
    authorization_servers: ['https://issuer.example'],
    bearer_methods_supported: ['header'],
    resource_name: 'Portcullis MCP',
  });
});

test('the challenge says invalid_token for a refused token, and never why', () => {
  const url = 'https://gw.example/.well-known/oauth-protected-resource/mcp';
  assert.equal(bearerChallenge(url, false), `Bearer resource_metadata="${url}"`);
  assert.equal(bearerChallenge(url, true), `Bearer error="invalid_token", resource_metadata="${url}"`);
});

test('only an Authorization: Bearer header carries a token; without an issuer every token is refused', async () => {
  assert.deepEqual(await verifyBearer(null, undefined), { ok: false, presented: false });
  assert.deepEqual(await verifyBearer(null, 'Basic dXNlcjpwYXNz'), { ok: false, presented: false });
  const refused = await verifyBearer(null, 'Bearer abc.def.ghi');
  assert.equal(refused.ok, false);
  assert.equal(!refused.ok && refused.presented, true);
});
