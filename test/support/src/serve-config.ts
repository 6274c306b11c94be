/**
 * The portcullis.yaml most end-to-end tests and benchmarks run `serve` with:
 * one instance, one OIDC issuer (a test provider), one production PostgreSQL
 * target `prod-db` in front of a test server. Sections are YAML flow
 * mappings as text, so a test states only what differs.
 */
export interface ServeConfigOptions {
  readonly instance: string;
  readonly apiPort: number;
  /** More keys of the `api` mapping, e.g. `auditorGroups: [auditors]`. */
  readonly api?: string;
  /** e.g. `{ kind: pglite, dataDir: ./data }` */
  readonly store: string;
  /** e.g. `{ bundle: /path }` or `{ data: ./policy-data.yaml }`; default: the shipped bundle */
  readonly policy?: string;
  readonly issuer: { readonly issuer: string; readonly audience: string; readonly jwksUrl: string };
  /** The `prod-db` target: where it listens, and the upstream server's port. */
  readonly target: { readonly listenPort: number; readonly upstreamPort: number };
  readonly logLevel?: string;
  /** `api.adminGroups`: token groups that may terminate sessions and revoke identities. */
  readonly adminGroups?: readonly string[];
  /** More top-level lines, e.g. `audit: { appendTimeoutMs: 1000 }`. */
  readonly extra?: readonly string[];
  /** More keys of the `prod-db` target, e.g. `credential: { mode: ephemeral-role }`. */
  readonly targetExtra?: readonly string[];
  /** More entries of `targets:` after prod-db, each line as written (e.g. sshTargetYaml's). */
  readonly moreTargets?: readonly string[];
}

export function serveConfigYaml(options: ServeConfigOptions): string {
  const { issuer, target } = options;
  return [
    `instance: ${options.instance}`,
    `api: { listen: "127.0.0.1:${options.apiPort}"${
      options.adminGroups ? `, adminGroups: ${JSON.stringify(options.adminGroups)}` : ''
    }${options.api ? `, ${options.api}` : ''} }`,
    `store: ${options.store}`,
    ...(options.policy ? [`policy: ${options.policy}`] : []),
    ...(options.logLevel ? [`log: { level: ${options.logLevel} }`] : []),
    ...(options.extra ?? []),
    'issuers:',
    `  - { issuer: "${issuer.issuer}", audiences: ["${issuer.audience}"], jwksUrl: "${issuer.jwksUrl}" }`,
    'targets:',
    '  - name: prod-db',
    '    protocol: postgres',
    `    listen: "127.0.0.1:${target.listenPort}"`,
    '    labels: { env: production, kind: database }',
    `    upstream: { host: 127.0.0.1, port: ${target.upstreamPort}, database: postgres, user: postgres }`,
    ...(options.targetExtra ?? []).map((line) => `    ${line}`),
    ...(options.moreTargets ?? []),
    '',
  ].join('\n');
}

/**
 * An entry of `targets:` for an SSH target `name` (labels env: `env`, kind:
 * host) in front of a test sshd, with the proxy's key for it and its pinned
 * host key: for serveConfigYaml's `moreTargets`, or after its output.
 */
export function sshTargetYaml(options: {
  readonly name: string;
  readonly listenPort: number;
  readonly env: string;
  readonly sshd: { readonly port: number; readonly user: string; readonly hostPublicKey: string };
  readonly privateKeyFile: string;
}): string[] {
  const { sshd } = options;
  return [
    `  - name: ${options.name}`,
    '    protocol: ssh',
    `    listen: "127.0.0.1:${options.listenPort}"`,
    `    labels: { env: ${options.env}, kind: host }`,
    '    upstream:',
    '      host: 127.0.0.1',
    `      port: ${sshd.port}`,
    `      user: ${sshd.user}`,
    `      privateKeyFile: ${options.privateKeyFile}`,
    `      hostKey: "${sshd.hostPublicKey}"`,
  ];
}
