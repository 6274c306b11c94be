// Writes services/gateway/openapi.json from the running application's routes
// (embedded store in a temp dir; nothing listens). `npm run openapi`.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { completeConfig, openRuntime, createGatewayApp, createLogger } from '../dist/index.js';

const dir = await mkdtemp(join(tmpdir(), 'portcullis-openapi-'));
const config = completeConfig({ store: { kind: 'pglite', dataDir: dir } }, 'openapi', dir);
const runtime = await openRuntime(config, createLogger('silent', 'openapi'));
const { app, openapi } = await createGatewayApp(runtime);
await writeFile(new URL('../openapi.json', import.meta.url), JSON.stringify(openapi, null, 2) + '\n');
await app.close();
await runtime.close();
await rm(dir, { recursive: true, force: true });
