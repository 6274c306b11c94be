/**
 * What the console's browser tests share: headless chromium (Debian's,
 * via playwright-core) that records every request and refuses anything
 * not on this host (air-gapped, as gateways run), sign-in on the test
 * provider's login page, screenshots to PORTCULLIS_ARTIFACTS_DIR (default:
 * a temp dir; their paths are printed at close), and the check that no
 * console page loaded anything from outside the gateway.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium, type Chromium } from '@portcullis/test-support';

export const ARTIFACTS =
  process.env.PORTCULLIS_ARTIFACTS_DIR ?? join(tmpdir(), 'portcullis-console-screenshots');

export interface SeenRequest {
  readonly url: string;
  readonly navigation: boolean;
  readonly frameUrl: string;
}

export interface ConsoleBrowser {
  readonly browser: Chromium;
  readonly page: Page;
  readonly requests: SeenRequest[];
  /** A full-page screenshot of the current page, `<ARTIFACTS>/<name>.png`. */
  shoot(name: string): Promise<void>;
  /** Signs in to the console as `login` on the provider's login page; waits for the inbox. */
  signIn(login: string): Promise<void>;
  /**
   * Asserts that console pages loaded only from the gateway, and that every
   * page the browser went to was the console's or the provider's (whose
   * login page asks for web fonts of its own, which are refused: that page
   * is the provider's, not ours). Returns the console pages' requests.
   */
  assertNothingFromOutside(): SeenRequest[];
  close(): Promise<void>;
}

export async function openConsoleBrowser(options: {
  /** The gateway's API origin, e.g. http://127.0.0.1:1234 */
  readonly api: string;
  readonly issuer: string;
  readonly providerName?: string;
  /** Screenshot names get this prefix, so two test files do not overwrite each other. */
  readonly label?: string;
}): Promise<ConsoleBrowser> {
  const { api, issuer } = options;
  await mkdir(ARTIFACTS, { recursive: true });
  const browser = await launchChromium();
  const requests: SeenRequest[] = [];
  const screenshots: string[] = [];
  browser.context.setDefaultTimeout(15_000);
  browser.context.on('request', (request) => {
    let frameUrl = '';
    try {
      frameUrl = request.frame().url();
    } catch {
      // a request of no frame (a service worker): its frame URL stays empty, and it is checked like any
    }
    requests.push({ url: request.url(), navigation: request.isNavigationRequest(), frameUrl });
  });
  // Air-gapped, as gateways run: anything not on this host is refused (and still recorded above).
  await browser.context.route(
    (url) => url.hostname !== '127.0.0.1',
    (route) => route.abort('blockedbyclient'),
  );
  const page = await browser.context.newPage();
  return {
    browser,
    page,
    requests,
    async shoot(name) {
      const path = join(ARTIFACTS, `${options.label ? `${options.label}-` : ''}${name}.png`);
      await page.screenshot({ path, fullPage: true });
      screenshots.push(path);
    },
    async signIn(login) {
      await page.goto(`${api}/console`);
      await page
        .getByRole('link', { name: `Sign in with ${options.providerName ?? 'Test provider'}` })
        .click();
      // The provider's own (development) login page.
      await page.waitForURL((url) => url.origin === issuer);
      await page.locator('input[name="login"]').fill(login);
      await page.locator('input[name="password"]').fill('any password');
      await page.locator('button[type="submit"]').click();
      await page.waitForURL(`${api}/console/approvals`);
      await page.getByText(`Signed in as ${login}`).waitFor();
    },
    assertNothingFromOutside() {
      const gateway = new URL(api).origin;
      assert.ok(requests.length > 5, 'requests were seen');
      const fromConsole = requests.filter((r) => r.frameUrl.startsWith(gateway) && !r.navigation);
      assert.deepEqual(
        fromConsole.filter((r) => new URL(r.url).origin !== gateway).map((r) => r.url),
        [],
        'console pages load only from the gateway',
      );
      assert.deepEqual(
        requests
          .filter((r) => r.navigation)
          .map((r) => new URL(r.url).origin)
          .filter((o) => o !== gateway && o !== issuer),
        [],
      );
      return fromConsole;
    },
    async close() {
      await browser.close();
      if (screenshots.length)
        console.log(`console screenshots:\n${screenshots.map((p) => `  ${p}`).join('\n')}`);
    },
  };
}
