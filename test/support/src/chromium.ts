import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';

/** Debian's chromium (CI installs it with apt); playwright-core never downloads a browser here. */
export const CHROMIUM_BIN = process.env.PORTCULLIS_CHROMIUM ?? '/usr/bin/chromium';

export interface Chromium extends AsyncDisposable {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Headless chromium in a fresh profile (a temp user-data dir), with
 * background networking off so the browser itself calls nowhere, driven
 * by playwright-core. `--no-sandbox`: CI runs as root, where chromium's
 * sandbox cannot start.
 */
export async function launchChromium(): Promise<Chromium> {
  if (!existsSync(CHROMIUM_BIN)) {
    throw new Error(`no chromium at ${CHROMIUM_BIN} (apt-get install chromium, or set PORTCULLIS_CHROMIUM)`);
  }
  const { chromium } = await import('playwright-core');
  const profile = await mkdtemp(join(tmpdir(), 'portcullis-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_BIN,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--no-first-run', '--disable-component-update'],
    viewport: { width: 1280, height: 900 },
  });
  const close = async () => {
    await context.close().catch(() => undefined);
    await rm(profile, { recursive: true, force: true });
  };
  return { context, close, [Symbol.asyncDispose]: close };
}
