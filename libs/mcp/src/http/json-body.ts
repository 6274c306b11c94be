import type { IncomingMessage } from 'node:http';

/** The largest request body read when the server in front has not parsed it. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** A POST body as JSON (undefined when it is not JSON): for servers without a body parser. */
export async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
