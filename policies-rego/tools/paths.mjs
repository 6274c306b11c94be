// Where things live in policies-rego/, for the tool scripts.
import { fileURLToPath } from 'node:url';

const at = (relative) => fileURLToPath(new URL(`../${relative}`, import.meta.url));

export const paths = {
  src: at('src'),
  capabilities: at('capabilities.json'),
  fixtures: at('fixtures'),
  bundle: at('dist/bundle.tar.gz'),
};
