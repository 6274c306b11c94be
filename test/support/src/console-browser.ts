import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

/** Where the console's browser tests save their screenshots (test artefacts, never committed). */
export const CONSOLE_ARTIFACTS_DIR =
  process.env.PORTCULLIS_ARTIFACTS_DIR ?? join(tmpdir(), 'portcullis-console-screenshots');

/**
 * Signs in to the console at `api` on the test provider's own login page
 * (oidc-provider's development interaction: any password), and waits for
 * the approvals page with the person's name in the header.
 */
export async function signInToConsole(
  page: Page,
  options: {
    readonly api: string;
    readonly issuer: string;
    readonly login: string;
    readonly provider?: string;
  },
): Promise<void> {
  await page.goto(`${options.api}/console`);
  await page.getByRole('link', { name: `Sign in with ${options.provider ?? 'Test provider'}` }).click();
  await page.waitForURL((url) => url.origin === options.issuer);
  await page.locator('input[name="login"]').fill(options.login);
  await page.locator('input[name="password"]').fill('any password');
  await page.locator('button[type="submit"]').click();
  await page.waitForURL(`${options.api}/console/approvals`);
  await page.getByText(`Signed in as ${options.login}`).waitFor();
}
