import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ErrorCode, PortcullisError } from '@portcullis/events';

/**
 * The `opa` binary for building and testing policies: on PATH, in $GOBIN or
 * in $HOME/go/bin (where `go install` puts it). The gateway never needs it.
 */
export function findOpaBinary(): string {
  const dirs = [
    ...(process.env.PATH ?? '').split(delimiter),
    process.env.GOBIN,
    join(homedir(), 'go', 'bin'),
  ];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, 'opa');
    if (existsSync(candidate)) return candidate;
  }
  throw new PortcullisError(
    ErrorCode.Unavailable,
    'opa not found on PATH or in $HOME/go/bin; install the pinned version with: ' +
      'GOBIN=$HOME/go/bin go install github.com/open-policy-agent/opa@$(cat policies-rego/opa-version)',
  );
}
