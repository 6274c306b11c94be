#!/usr/bin/env node
// Writes policies-rego/capabilities.json: the builtins of the pinned OPA that
// the wasm host can run (compiled into the wasm, or implemented by the
// @open-policy-agent/opa-wasm SDK). `opa build --capabilities` then rejects a
// policy that calls anything else (time.now_ns, http.send, ...) at build
// time instead of failing at evaluation time in a proxy.
//
//   node policies-rego/tools/capabilities.mjs [--check]
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { opaBinary } from './opa.mjs';

// The package exports only its code, so find its directory through the main entry.
const require = createRequire(new URL('../../libs/policy/package.json', import.meta.url));
const sdkDir = dirname(dirname(require.resolve('@open-policy-agent/opa-wasm')));
const sdk = JSON.parse(readFileSync(join(sdkDir, 'capabilities.json'), 'utf8'));
const target = new URL('../capabilities.json', import.meta.url);

const current = JSON.parse(execFileSync(opaBinary(), ['capabilities', '--current'], { encoding: 'utf8' }));
const hostable = new Set(sdk.builtins.map((b) => b.name));
const capabilities = {
  builtins: current.builtins.filter((b) => hostable.has(b.name)),
  future_keywords: current.future_keywords,
  features: current.features,
  wasm_abi_versions: sdk.wasm_abi_versions,
};
const text = `${JSON.stringify(capabilities, null, 2)}\n`;

if (process.argv.includes('--check')) {
  // Compared as JSON, so formatting (prettier) does not matter.
  const committed = JSON.stringify(JSON.parse(readFileSync(target, 'utf8')));
  if (committed !== JSON.stringify(capabilities)) {
    console.error('policies-rego/capabilities.json is stale: run node policies-rego/tools/capabilities.mjs');
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
  console.log(`wrote ${capabilities.builtins.length} builtins to policies-rego/capabilities.json`);
}
