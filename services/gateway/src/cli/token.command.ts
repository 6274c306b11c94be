import { resolve } from 'node:path';
import { ValidationError } from '@portcullis/events';
import { devToken, openDevIssuer } from '../demo/dev-issuer.js';
import type { CliIo } from './common.js';
import { DEMO_AGENT } from './demo.command.js';

export interface TokenOptions {
  dev?: boolean;
  app?: string;
  groups?: string;
  roles?: string;
  dataDir?: string;
}

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** `portcullis token --dev`: an access token of the demo's development issuer, on stdout. */
export async function tokenCommand(options: TokenOptions, io: CliIo): Promise<number> {
  if (!options.dev) {
    throw new ValidationError(
      'portcullis token only signs development tokens (--dev); real tokens come from your identity provider',
    );
  }
  const dev = await openDevIssuer(resolve(options.dataDir ?? 'data'));
  io.stdout.write(
    `${await devToken(dev, { app: options.app ?? DEMO_AGENT, groups: list(options.groups), roles: list(options.roles) })}\n`,
  );
  return 0;
}
