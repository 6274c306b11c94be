// Where the pinned `opa` lives: on PATH, or where `go install` puts it
// ($GOBIN, $HOME/go/bin). CI installs it; a missing binary is an error.
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { homedir } from 'node:os';

export function opaBinary() {
  const dirs = [
    ...(process.env.PATH ?? '').split(delimiter),
    process.env.GOBIN,
    join(homedir(), 'go', 'bin'),
  ].filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, 'opa');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(
    'opa not found on PATH or in $HOME/go/bin; install it with: ' +
      'GOBIN=$HOME/go/bin go install github.com/open-policy-agent/opa@$(cat policies-rego/opa-version)',
  );
}
