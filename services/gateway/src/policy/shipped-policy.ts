import { fileURLToPath } from 'node:url';

/** The policies shipped in this checkout (policies-rego/): the defaults of the gateway and the policy commands. */
const shipped = (path: string) =>
  fileURLToPath(new URL(`../../../../policies-rego/${path}`, import.meta.url));

export const shippedPolicy = {
  source: shipped('src'),
  capabilities: shipped('capabilities.json'),
  fixtures: shipped('fixtures'),
  bundle: shipped('dist/bundle.tar.gz'),
  /** The name of the shipped bundle's `policy-<name>` stream. */
  name: 'portcullis',
};
