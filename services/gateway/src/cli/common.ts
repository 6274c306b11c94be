import type { Writable } from 'node:stream';
import { isPortcullisError, ErrorCode } from '@portcullis/events';
import { defaultConfig, loadConfigFile } from '../config/load-config.js';
import type { GatewayConfig } from '../config/gateway-config.js';

export interface CliIo {
  stdout: Writable;
  stderr: Writable;
}

export interface StoreOptions {
  config?: string;
  dataDir?: string;
  apiListen?: string;
}

export function loadCliConfig(options: StoreOptions): Promise<GatewayConfig> {
  const overrides = { dataDir: options.dataDir, apiListen: options.apiListen };
  return options.config
    ? loadConfigFile(options.config, overrides)
    : Promise.resolve(defaultConfig(overrides));
}

/** Exit statuses: 1 = the check or operation failed, 2 = bad usage or configuration. */
export function reportError(error: unknown, io: CliIo): number {
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`portcullis: ${message}\n`);
  return isPortcullisError(error, ErrorCode.Validation) ? 2 : 1;
}
