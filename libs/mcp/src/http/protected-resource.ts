import type { IncomingMessage } from 'node:http';

/** Where RFC 9728 puts the metadata of a resource at `/mcp`; the bare path is served too. */
export const PROTECTED_RESOURCE_PATHS = [
  '/.well-known/oauth-protected-resource/mcp',
  '/.well-known/oauth-protected-resource',
] as const;

/**
 * The MCP endpoint's public URL: the configured one, else the one the
 * request reached (behind a reverse proxy, configure `mcp.resource`).
 */
export function resourceUrl(configured: string | undefined, request: IncomingMessage): string {
  if (configured) return configured.replace(/\/+$/, '');
  const host = request.headers.host ?? 'localhost';
  return `http://${host}/mcp`;
}

/** `https://gw.example/mcp` → `https://gw.example/.well-known/oauth-protected-resource/mcp`. */
export function resourceMetadataUrl(resource: string): string {
  const url = new URL(resource);
  return `${url.origin}/.well-known/oauth-protected-resource${url.pathname === '/' ? '' : url.pathname}`;
}

/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728) for the MCP endpoint, as
 * the MCP authorization specification asks: the issuers whose access tokens
 * it accepts are its authorization servers; tokens travel in the header only.
 */
export function protectedResourceMetadata(resource: string, issuers: readonly string[]) {
  return {
    resource,
    authorization_servers: [...issuers],
    bearer_methods_supported: ['header'],
    resource_name: 'Portcullis MCP',
  };
}
