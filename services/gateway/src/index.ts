export { loadConfigFile, defaultConfig, completeConfig, type ConfigOverrides } from './config/load-config.js';
export type { GatewayConfig, StoreConfig } from './config/gateway-config.js';
export { GatewayConfigSchema } from './config/gateway-config.js';
export { openRuntime, type GatewayRuntime } from './runtime/gateway-runtime.js';
export { createGatewayApp, startGateway, openApiDocument, type Gateway } from './create-gateway.js';
export { createLogger } from './logging/logger.js';
export { ProjectionsService } from './projections/projections.service.js';
export { demoClusterDir } from './demo/demo-database.js';
