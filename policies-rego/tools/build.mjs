#!/usr/bin/env node
// npm run policies:build — compiles policies-rego/src into the committed
// wasm bundle policies-rego/dist/bundle.tar.gz.
import { buildPolicyBundle } from '@portcullis/policy';
import { paths } from './paths.mjs';

const { exitCode } = await buildPolicyBundle({
  sourceDir: paths.src,
  outputFile: process.argv[2] ?? paths.bundle,
  capabilitiesFile: paths.capabilities,
  stdout: process.stdout,
  stderr: process.stderr,
});
process.exitCode = exitCode;
