import { PolicyBundleError } from '../errors.js';
import { readBundleFiles } from './read-bundle-files.js';
import { verifyBundleSignature, type BundleVerification } from './verify-bundle-signature.js';

/** A bundle read from disk and checked, not yet instantiated. */
export interface PolicyBundle {
  source: string;
  wasm: Buffer;
  data: Record<string, unknown>;
  manifest: Record<string, unknown>;
  revision: string;
  /** True when .signatures.json was verified against configured keys. */
  signed: boolean;
}

export interface ReadPolicyBundleOptions {
  /** When set, the bundle must carry a .signatures.json that verifies with these keys. */
  verification?: BundleVerification;
}

const SIGNATURES = '.signatures.json';

export async function readPolicyBundle(
  source: string,
  options: ReadPolicyBundleOptions = {},
): Promise<PolicyBundle> {
  const files = await readBundleFiles(source);
  if (options.verification) verifyBundleSignature(files, options.verification);

  const wasm = files.get('policy.wasm');
  if (!wasm) throw new PolicyBundleError(`${source} has no policy.wasm (build it with opa build -t wasm)`);
  const manifest = files.has('.manifest') ? parseObject(files.get('.manifest')!, '.manifest') : {};
  const revision = manifest.revision ?? '';
  if (typeof revision !== 'string') throw new PolicyBundleError('.manifest revision must be a string');
  return { source, wasm, data: mergeData(files), manifest, revision, signed: !!options.verification };
}

/** data.json files at any depth, each placed at its directory's path, as OPA does. */
function mergeData(files: Map<string, Buffer>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  const names = [...files.keys()].filter((n) => n === 'data.json' || n.endsWith('/data.json')).sort();
  for (const name of names) {
    if (name === SIGNATURES) continue;
    const value = parseObject(files.get(name)!, name);
    const segments = name.split('/').slice(0, -1);
    let node = root;
    for (const segment of segments) {
      const next = node[segment];
      node[segment] = next && typeof next === 'object' && !Array.isArray(next) ? next : {};
      node = node[segment] as Record<string, unknown>;
    }
    Object.assign(node, value);
  }
  return root;
}

function parseObject(content: Buffer, name: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(content.toString('utf8'));
  } catch (cause) {
    throw new PolicyBundleError(`${name} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PolicyBundleError(
      `${name} must hold a JSON object, got ${Array.isArray(value) ? 'array' : typeof value}`,
    );
  }
  return value as Record<string, unknown>;
}
