import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PolicyBundleError } from '../errors.js';
import { untar } from './untar.js';

/** Bundles are a few MB at most; the cap keeps a gzip bomb from exhausting memory. */
export const MAX_BUNDLE_BYTES = 64 * 1024 * 1024;

/**
 * The files of a bundle, keyed by path relative to the bundle root without a
 * leading slash ("policy.wasm", "data.json", ".manifest"). `source` is a
 * directory or an `opa build` tar.gz.
 */
export async function readBundleFiles(source: string): Promise<Map<string, Buffer>> {
  const info = await stat(source).catch((cause: unknown) => {
    throw new PolicyBundleError(`cannot read ${source}`, { cause });
  });
  return info.isDirectory() ? readDirectory(source) : readArchive(source);
}

async function readArchive(path: string): Promise<Map<string, Buffer>> {
  const packed = await readFile(path);
  let archive: Buffer;
  try {
    archive = gunzipSync(packed, { maxOutputLength: MAX_BUNDLE_BYTES });
  } catch (cause) {
    throw new PolicyBundleError(`${path} is not a gzip-compressed tar archive`, { cause });
  }
  try {
    return normalize(untar(archive));
  } catch (cause) {
    throw new PolicyBundleError(`${path} is not a valid tar archive: ${(cause as Error).message}`, { cause });
  }
}

async function readDirectory(root: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  let total = 0;
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const content = await readFile(path);
    total += content.length;
    if (total > MAX_BUNDLE_BYTES)
      throw new PolicyBundleError(`${root} is larger than ${MAX_BUNDLE_BYTES} bytes`);
    files.set(relative(root, path).split(sep).join('/'), content);
  }
  return files;
}

function normalize(files: Map<string, Buffer>): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [name, content] of files) out.set(name.replace(/^\.?\/+/, ''), content);
  return out;
}
