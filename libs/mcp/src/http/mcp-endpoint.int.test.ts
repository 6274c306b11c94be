/**
 * The endpoint's own rules, with the SDK's client over real HTTP and a real
 * OIDC provider's tokens: an MCP session belongs to the identity that
 * opened it, and one left idle is closed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createTokenVerifier } from '@portcullis/identity';
import { PolicyEngine } from '@portcullis/policy';
import { grantingPolicyBundle, startOidcProvider, tempDir } from '@portcullis/test-support';
import { DEFAULT_MCP_LIMITS } from '../limits.js';
import { McpEndpoint } from './mcp-endpoint.js';

test('an MCP session is found only with its own identity, and closed once idle', async () => {
  await using dir = await tempDir();
  await using oidc = await startOidcProvider({ clients: [{ clientId: 'agent-a' }, { clientId: 'agent-b' }] });
  const policy = await PolicyEngine.load(
    await grantingPolicyBundle(dir.path, { issuer: oidc.issuer, appIds: ['agent-a'], targetLabels: [] }),
  );
  const endpoint = new McpEndpoint({
    tokens: createTokenVerifier([{ issuer: oidc.issuer, audiences: [oidc.audience] }]),
    issuers: [oidc.issuer],
    targets: { postgres: new Map(), ssh: new Map() },
    policy,
    limits: { ...DEFAULT_MCP_LIMITS, idleTimeoutSeconds: 1 },
    logger: { info: () => undefined, warn: () => undefined },
  });
  const server = createServer((req, res) => void endpoint.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
  try {
    const transport = new StreamableHTTPClientTransport(url, {
      requestInit: { headers: { Authorization: `Bearer ${await oidc.issueToken('agent-a')}` } },
    });
    const client = new Client({ name: 'int', version: '1' });
    await client.connect(transport);
    const listed = await client.callTool({ name: 'list_targets', arguments: {} });
    assert.deepEqual(listed.structuredContent, { status: 'ok', targets: [] });
    assert.equal(endpoint.sessionCount, 1);

    // Another identity's valid token with this session id: not found.
    const hijack = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await oidc.issueToken('agent-b')}`,
        'mcp-session-id': transport.sessionId!,
        'mcp-protocol-version': '2025-06-18',
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list', params: {} }),
    });
    assert.equal(hijack.status, 404);

    // Idle (the client's GET stream does not count as work): closed, and the next call fails.
    for (let i = 0; i < 100 && endpoint.sessionCount > 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(endpoint.sessionCount, 0);
    await assert.rejects(client.callTool({ name: 'list_targets', arguments: {} }), /404|not found/i);
    await client.close();
  } finally {
    await endpoint.close();
    await new Promise((resolve) => server.close(resolve));
  }
});
