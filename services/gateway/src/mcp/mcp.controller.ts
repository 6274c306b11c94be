import { All, Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { McpEndpoint } from '@portcullis/mcp';
import { MCP_ENDPOINT } from '../tokens.js';

/**
 * The MCP endpoint's HTTP edge: `/mcp` (Streamable HTTP: POST, GET, DELETE)
 * and its protected-resource metadata. MCP is JSON-RPC, not REST, so it is
 * left out of the OpenAPI document (docs/mcp.md describes it).
 */
@ApiExcludeController()
@Controller()
export class McpController {
  constructor(@Inject(MCP_ENDPOINT) private readonly endpoint: McpEndpoint) {}

  @All('mcp')
  async mcp(
    @Req() request: IncomingMessage & { body?: unknown },
    @Res() response: ServerResponse,
  ): Promise<void> {
    // Express parsed a JSON body already; the transport takes it as is.
    await this.endpoint.handle(request, response, request.body);
  }

  @Get(['.well-known/oauth-protected-resource', '.well-known/oauth-protected-resource/mcp'])
  metadata(@Req() request: IncomingMessage, @Res() response: ServerResponse): void {
    this.endpoint.metadata(request, response);
  }
}
