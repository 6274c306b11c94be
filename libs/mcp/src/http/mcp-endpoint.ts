import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Identity, TokenVerifier } from '@portcullis/identity';
import type { PolicyEngine } from '@portcullis/policy';
import type { McpLimits } from '../limits.js';
import { AgentSession, type McpTargets } from '../sessions/agent-session.js';
import { registerTools } from '../tools/register-tools.js';
import { bearerChallenge, verifyBearer } from './bearer-token.js';
import { readJsonBody } from './json-body.js';
import { protectedResourceMetadata, resourceMetadataUrl, resourceUrl } from './protected-resource.js';

export interface McpEndpointOptions {
  /** The gateway's verifier: the same issuers, audiences and claim mapping as the proxies'. */
  readonly tokens: TokenVerifier | null;
  /** The configured issuers, named as authorization servers in the resource metadata. */
  readonly issuers: readonly string[];
  /** The public URL of `/mcp` (mcp.resource); default: from the request's Host. */
  readonly resource?: string;
  readonly targets: McpTargets;
  readonly policy: PolicyEngine;
  readonly limits: McpLimits;
  readonly logger: {
    info(fields: object, message: string): void;
    warn(fields: object, message: string): void;
  };
  /** Server name and version in the MCP handshake. */
  readonly version?: string;
}

/** One live MCP session: the SDK's transport and server, and the agent's session core state. */
interface LiveSession {
  readonly transport: StreamableHTTPServerTransport;
  readonly agent: AgentSession;
  readonly identityKey: string;
  idle?: NodeJS.Timeout;
  inFlight: number;
}

const SERVER_NAME = 'portcullis';

/**
 * The MCP server at `/mcp` (Streamable HTTP, @modelcontextprotocol/sdk),
 * behind the MCP authorization specification: every request carries the
 * agent's OIDC access token as a Bearer token, verified as the proxies
 * verify their clients' (libs/identity); without a valid one, 401 with a
 * `WWW-Authenticate` challenge naming the protected-resource metadata, and
 * no reason. An MCP session belongs to the identity that initialised it:
 * another identity's token does not find it.
 */
export class McpEndpoint {
  private readonly sessions = new Map<string, LiveSession>();
  /** MCP sessions per identity, counted from initialize (so concurrent initializes cannot pass the cap). */
  private readonly perIdentity = new Map<string, number>();
  private closing = false;

  constructor(private readonly options: McpEndpointOptions) {}

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** GET `/.well-known/oauth-protected-resource[/mcp]` (RFC 9728). */
  metadata(request: IncomingMessage, response: ServerResponse): void {
    const resource = resourceUrl(this.options.resource, request);
    send(response, 200, protectedResourceMetadata(resource, this.options.issuers));
  }

  /** Any request to `/mcp`; `body` is the parsed JSON body of a POST, when the server parsed it. */
  async handle(request: IncomingMessage, response: ServerResponse, body?: unknown): Promise<void> {
    const resource = resourceUrl(this.options.resource, request);
    const bearer = await verifyBearer(this.options.tokens, header(request, 'authorization'));
    if (!bearer.ok) {
      if (bearer.reason) this.options.logger.warn({ reason: bearer.reason }, 'MCP: token refused');
      response.setHeader(
        'WWW-Authenticate',
        bearerChallenge(resourceMetadataUrl(resource), bearer.presented),
      );
      return send(response, 401, rpcError(-32001, 'authentication required'));
    }
    const { identity } = bearer;
    // Behind Express the body is parsed already; on a bare node:http server it is read here.
    const parsed = body === undefined && request.method === 'POST' ? await readJsonBody(request) : body;
    const sessionId = header(request, 'mcp-session-id');
    if (sessionId !== undefined) {
      const live = this.sessions.get(sessionId);
      // Another identity's session is not found, rather than forbidden: nothing says it exists.
      if (!live || live.identityKey !== identityKey(identity))
        return send(response, 404, rpcError(-32001, 'session not found'));
      return this.serve(live, request, response, parsed);
    }
    if (request.method !== 'POST' || !isInitializeRequest(parsed)) {
      return send(response, 400, rpcError(-32000, 'no MCP session: send initialize first'));
    }
    if (this.closing) return send(response, 503, rpcError(-32000, 'the gateway is shutting down'));
    const key = identityKey(identity);
    const held = this.perIdentity.get(key) ?? 0;
    if (held >= this.options.limits.maxSessionsPerIdentity) {
      this.options.logger.warn({ subject: identity.subject, held }, 'MCP: session limit reached');
      return send(
        response,
        429,
        rpcError(
          -32000,
          `too many MCP sessions for this identity (at most ${this.options.limits.maxSessionsPerIdentity})`,
        ),
      );
    }
    this.perIdentity.set(key, held + 1);
    await this.initialize(identity, key, request, response, parsed);
  }

  /** Closes every MCP session (gateway shutdown): each database and host session records SessionClosed. */
  async close(reason = 'proxy_shutdown'): Promise<void> {
    this.closing = true;
    await Promise.all([...this.sessions.keys()].map((id) => this.end(id, reason)));
  }

  private async initialize(
    identity: Identity,
    key: string,
    request: IncomingMessage,
    response: ServerResponse,
    body: unknown,
  ): Promise<void> {
    const agent = new AgentSession(
      identity,
      request.socket.remoteAddress ?? 'unknown',
      this.options.targets,
      this.options.policy,
      this.options.limits,
    );
    let started = false;
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        started = true;
        const live: LiveSession = { transport, agent, identityKey: key, inFlight: 0 };
        this.sessions.set(id, live);
        this.touch(id, live);
        this.options.logger.info({ mcpSessionId: id, subject: identity.subject }, 'MCP session opened');
      },
      onsessionclosed: (id) => this.end(id, 'client_terminated'),
    });
    const server = new McpServer({ name: SERVER_NAME, version: this.options.version ?? '0.1.0' });
    registerTools(server, () => agent, this.options.limits);
    await server.connect(transport);
    try {
      await transport.handleRequest(request, response, body);
    } finally {
      if (!started) {
        this.release(key);
        await transport.close().catch(() => undefined);
      }
    }
  }

  private async serve(live: LiveSession, request: IncomingMessage, response: ServerResponse, body: unknown) {
    const id = live.transport.sessionId!;
    // The GET stream (server-to-client notifications) stays open as long as
    // the client likes: it is activity, but not work, so it does not hold the
    // idle timer off; a session whose agent only listens is closed.
    if (request.method === 'GET') {
      this.touch(id, live);
      return live.transport.handleRequest(request, response, body);
    }
    live.inFlight++;
    clearTimeout(live.idle);
    response.once('close', () => {
      live.inFlight--;
      if (this.sessions.get(id) === live) this.touch(id, live);
    });
    await live.transport.handleRequest(request, response, body);
  }

  /** (Re)starts the idle timer; it runs only while no request of the session is in flight. */
  private touch(id: string, live: LiveSession): void {
    clearTimeout(live.idle);
    if (live.inFlight > 0) return;
    live.idle = setTimeout(
      () => void this.end(id, 'idle_timeout'),
      this.options.limits.idleTimeoutSeconds * 1000,
    );
    live.idle.unref();
  }

  private async end(id: string, reason: string): Promise<void> {
    const live = this.sessions.get(id);
    if (!live) return;
    this.sessions.delete(id);
    clearTimeout(live.idle);
    this.release(live.identityKey);
    this.options.logger.info({ mcpSessionId: id, reason }, 'MCP session closed');
    await live.agent.close(reason);
    await live.transport.close().catch(() => undefined);
  }

  private release(key: string): void {
    const held = (this.perIdentity.get(key) ?? 1) - 1;
    if (held <= 0) this.perIdentity.delete(key);
    else this.perIdentity.set(key, held);
  }
}

const identityKey = (identity: Identity) => `${identity.issuer}\u0000${identity.subject}`;

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function rpcError(code: number, message: string) {
  return { jsonrpc: '2.0', error: { code, message }, id: null };
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.statusCode = status;
  response.setHeader('Content-Type', 'application/json');
  response.end(JSON.stringify(body));
}
