/** The HTTP client the key source uses; `fetch` by default, injectable for tests of odd responses. */
export type FetchJson = (url: string) => Promise<unknown>;

const TIMEOUT_MS = 5000;
const MAX_BYTES = 512 * 1024;

/**
 * GETs a JSON document the way key material should be fetched: bounded in
 * time and size, and without following redirects (a redirect could move us
 * to a host or scheme the configuration never named).
 */
export async function fetchJson(url: string): Promise<unknown> {
  const response = await fetch(url, {
    headers: { accept: 'application/json' },
    redirect: 'error',
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`HTTP ${response.status} from ${url}`);
  }
  return JSON.parse(await readBounded(response, url));
}

async function readBounded(response: Response, url: string): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > MAX_BYTES) {
    await response.body?.cancel();
    throw new Error(`${url} answered ${declared} bytes, more than ${MAX_BYTES}`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body?.getReader();
  if (reader === undefined) return '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BYTES) {
      await reader.cancel();
      throw new Error(`${url} answered more than ${MAX_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
