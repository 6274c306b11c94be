import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { GatewayModule } from './app.module.js';
import { NestPinoLogger } from './logging/logger.js';
import { ProblemFilter } from './http/problem.filter.js';
import type { GatewayRuntime } from './runtime/gateway-runtime.js';
import type { McpEndpoint } from '@portcullis/mcp';
import { startMcp } from './mcp/start-mcp.js';

export interface Gateway {
  readonly app: INestApplication;
  readonly openapi: OpenAPIObject;
  /** The address the API listens on, once `listen` resolved. */
  readonly url: string;
  /** The MCP endpoint's URL, when it is served. */
  readonly mcpUrl?: string;
  close(): Promise<void>;
}

export function openApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Portcullis gateway API')
    .setDescription(
      'Sessions, approvals and audit of the Portcullis data-path guard. Errors are RFC 9457 problem details.',
    )
    .setVersion('0.1.0')
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Builds the Nest application on an opened runtime, without listening; with the MCP endpoint when `mcp` is given. */
export async function createGatewayApp(
  runtime: GatewayRuntime,
  mcp?: McpEndpoint,
): Promise<{ app: INestApplication; openapi: OpenAPIObject }> {
  const app = await NestFactory.create(GatewayModule.forRoot(runtime, mcp), {
    logger: new NestPinoLogger(runtime.log),
    bufferLogs: false,
  });
  app.useGlobalFilters(new ProblemFilter());
  const openapi = openApiDocument(app);
  SwaggerModule.setup('api/docs', app, openapi, { jsonDocumentUrl: 'api/openapi.json' });
  return { app, openapi };
}

/** Builds the application and starts listening on the configured API address. */
export async function startGateway(runtime: GatewayRuntime): Promise<Gateway> {
  const mcp = await startMcp(runtime);
  const { app, openapi } = await createGatewayApp(runtime, mcp);
  const { host, port } = runtime.config.api;
  await app.listen(port, host);
  const server = app.getHttpServer() as import('node:http').Server;
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
  runtime.log.info({ url }, 'gateway API listening');
  return {
    app,
    openapi,
    url,
    ...(mcp ? { mcpUrl: `${url}/mcp` } : {}),
    close: async () => {
      // MCP sessions end first, recording SessionClosed while the store is open.
      await mcp?.close();
      await app.close();
    },
  };
}
