import { Command, CommanderError } from 'commander';
import { eventCatalogJsonSchema } from '@portcullis/events';
import { reportError, type CliIo, type StoreOptions } from './common.js';
import type { ReplayOptions } from './replay.command.js';
import type { EventsTailOptions } from './events-tail.command.js';
import { approvalsDecide, approvalsList, type ApprovalsOptions } from './approvals.command.js';
import {
  identitiesList,
  identitiesRevoke,
  identitiesUnrevoke,
  sessionsTerminate,
  type RevokeOptions,
} from './access.command.js';
import type { ApiClientOptions } from './api-client.js';

/**
 * Commands load their modules when they run: `serve` pulls in NestJS and
 * every proxy, which a quick `approvals grant` should not pay for.
 */
type Action<T> = (options: T, io: CliIo) => Promise<number>;
const lazy =
  <T>(load: () => Promise<Action<T>>): Action<T> =>
  async (options, io) =>
    (await load())(options, io);
const serve = lazy(async () => (await import('./serve.command.js')).serve);
const demo = lazy<import('./demo.command.js').DemoOptions>(
  async () => (await import('./demo.command.js')).demo,
);
const token = lazy<import('./token.command.js').TokenOptions>(
  async () => (await import('./token.command.js')).tokenCommand,
);
const migrateCommand = lazy(async () => (await import('./migrate.command.js')).migrateCommand);
const auditVerify = lazy<import('./audit-verify.command.js').AuditVerifyOptions>(
  async () => (await import('./audit-verify.command.js')).auditVerify,
);
const replay = async (session: string, options: ReplayOptions, io: CliIo) =>
  (await import('./replay.command.js')).replay(session, options, io);
const eventsTail = lazy<EventsTailOptions>(async () => (await import('./events-tail.command.js')).eventsTail);
const projectionsList = lazy<import('./projections.command.js').ProjectionsOptions>(
  async () => (await import('./projections.command.js')).projectionsList,
);
const projectionsRebuild = async (
  name: string | undefined,
  options: import('./projections.command.js').ProjectionsOptions,
  io: CliIo,
) => (await import('./projections.command.js')).projectionsRebuild(name, options, io);
const configCheck = lazy<{ config?: string }>(
  async () => (await import('./config-check.command.js')).configCheck,
);
const policyBuild = lazy<{ source?: string; out?: string; capabilities?: string }>(
  async () => (await import('./policy.command.js')).policyBuild,
);
const policyTest = lazy<{ bundle?: string; fixtures?: string }>(
  async () => (await import('./policy.command.js')).policyTest,
);
const policyReplay = lazy<import('./policy.command.js').PolicyReplayOptions>(
  async () => (await import('./policy.command.js')).policyReplay,
);
const policyEval = lazy<{ input?: string; entrypoint?: string; bundle?: string }>(
  async () => (await import('./policy.command.js')).policyEval,
);

function storeOptions(command: Command): Command {
  return command
    .option('-c, --config <file>', 'portcullis.yaml (default: embedded store in ./data)')
    .option('-d, --data-dir <dir>', 'data directory of the embedded (pglite) store');
}

/** The `portcullis` command. Returns the exit status instead of exiting, so tests can run it in-process. */
export async function main(argv: readonly string[], io: CliIo = process): Promise<number> {
  let status = 0;
  const run =
    <T>(action: (options: T, io: CliIo) => Promise<number>) =>
    async (options: T) => {
      try {
        status = await action(options, io);
      } catch (error) {
        status = reportError(error, io);
      }
    };

  const program = new Command('portcullis')
    .description(
      'Data-path guard for non-human identities: OIDC-authenticated, policy-enforced, event-sourced proxies.',
    )
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  storeOptions(program.command('serve').description('run the gateway (API, projections, proxies)'))
    .option('--api-listen <host:port>', 'API listen address (default 127.0.0.1:8080)')
    .action(run<StoreOptions>(serve));

  program
    .command('demo')
    .description(
      'what npm start runs: serve ./portcullis.yaml if there is one, else a development-only demo on loopback ' +
        '(a seeded PostgreSQL, a development token issuer, a demo target on 127.0.0.1:6432)',
    )
    .option(
      '-d, --data-dir <dir>',
      'where the demo keeps its store, database and issuer key (default ./data)',
    )
    .option('--api-listen <host:port>', 'API listen address (default 127.0.0.1:8080)')
    .option('--listen <host:port>', 'the demo target (default 127.0.0.1:6432)')
    .action(run<import('./demo.command.js').DemoOptions>(demo));

  program
    .command('token')
    .description('print an access token of the demo’s development issuer (development only)')
    .option('--dev', 'sign with the development issuer in the data directory')
    .option('--app <id>', 'application (client) id and subject (default demo-agent)')
    .option('--groups <g,…>', 'groups claim')
    .option('--roles <r,…>', 'roles claim')
    .option('-d, --data-dir <dir>', 'the demo’s data directory (default ./data)')
    .action(run<import('./token.command.js').TokenOptions>(token));

  storeOptions(
    program.command('migrate').description('apply database migrations (also done on every start)'),
  ).action(run<StoreOptions>(migrateCommand));

  const audit = program.command('audit').description('audit-trail integrity');
  storeOptions(
    audit
      .command('verify')
      .description(
        'check every stream’s hash chain and, with --anchors, the store against signed anchors that left the machine; exit 1 on any finding',
      ),
  )
    .option('-s, --stream <name>', 'check only this stream')
    .option(
      '--anchors <file>',
      'anchors exported from a SIEM: JSON lines (or a JSON array) of AuditAnchorSigned events as json, OCSF, HEC envelopes or syslog lines',
    )
    .option(
      '--public-key <file>',
      'the anchor public key (PEM, <siem.anchors.keyFile>.pub); needed with --anchors',
    )
    .option('--json', 'print the report as JSON')
    .action(run<import('./audit-verify.command.js').AuditVerifyOptions>(auditVerify));

  storeOptions(
    program
      .command('replay <session>')
      .description('play a recorded SSH terminal session, or write it as an asciicast v2 file'),
  )
    .option('--asciicast', 'write asciicast v2 to stdout (for asciinema play / the asciinema player)')
    .option('--speed <n>', 'playback speed factor', '1')
    .option('--max-idle <seconds>', 'cap pauses between outputs when playing')
    .option('--channel <n>', 'only this recorded channel of the session')
    .action(async (session: string, options: ReplayOptions) => {
      try {
        status = await replay(session, options, io);
      } catch (error) {
        status = reportError(error, io);
      }
    });

  const projectionsCommand = program
    .command('projections')
    .description(
      'the read models kept from the events (sessions, approvals, commands, identities, sensitive_access)',
    );
  storeOptions(
    projectionsCommand.command('list').description('each projection’s checkpoint and its tables’ row counts'),
  )
    .option('--checksums', 'also an md5 of each table’s rows (a full scan)')
    .option('--json', 'print JSON')
    .action(run<import('./projections.command.js').ProjectionsOptions>(projectionsList));
  storeOptions(
    projectionsCommand
      .command('rebuild [name]')
      .description(
        'empty a projection’s tables (every projection’s without NAME) and apply every event again; run it with the gateways stopped',
      ),
  ).action(
    async (name: string | undefined, options: import('./projections.command.js').ProjectionsOptions) => {
      try {
        status = await projectionsRebuild(name, options, io);
      } catch (error) {
        status = reportError(error, io);
      }
    },
  );

  const configCommand = program.command('config').description('the gateway configuration');
  configCommand
    .command('check')
    .description(
      'validate the file, read every key and certificate, reach each issuer, the store and each upstream; exit 1 unreachable, 2 invalid',
    )
    .option('-c, --config <file>', 'portcullis.yaml (default: the embedded defaults)')
    .action(run<{ config?: string }>(configCheck));

  const policy = program.command('policy').description('build, test and evaluate Rego policies');
  policy
    .command('build')
    .description('compile Rego to the wasm bundle (needs the opa binary)')
    .option('--source <dir>', 'Rego sources and data (default: policies-rego/src)')
    .option('--out <file>', 'bundle to write (default: policies-rego/dist/bundle.tar.gz)')
    .option('--capabilities <file>', 'OPA capabilities (default: policies-rego/capabilities.json)')
    .action(run<{ source?: string; out?: string; capabilities?: string }>(policyBuild));
  policy
    .command('test')
    .description('run decision fixtures against the compiled wasm; exit 1 on any mismatch')
    .option('--bundle <path>', 'bundle .tar.gz or directory (default: the shipped bundle)')
    .option('--fixtures <dir>', 'decision fixtures (default: policies-rego/fixtures)')
    .option('--data <path>', 'operator policy data (YAML/JSON file or directory) merged over the bundle')
    .action(run<{ bundle?: string; fixtures?: string; data?: string }>(policyTest));
  policy
    .command('eval')
    .description('decide one input file and print the decision as JSON, with its timing')
    .requiredOption('--input <file>', 'policy input JSON')
    .option('--entrypoint <name>', 'session or command', 'command')
    .option('--bundle <path>', 'bundle .tar.gz or directory (default: the shipped bundle)')
    .option('--data <path>', 'operator policy data (YAML/JSON file or directory) merged over the bundle')
    .action(run<{ input?: string; entrypoint?: string; bundle?: string; data?: string }>(policyEval));

  storeOptions(
    policy
      .command('replay')
      .description(
        'decide every recorded command again with a candidate policy; print what would change; exit 1 if anything would',
      ),
  )
    .option('--bundle <path>', 'candidate bundle .tar.gz or directory (default: the shipped bundle)')
    .option('--data <path>', 'candidate operator data (YAML/JSON file or directory) merged over the bundle')
    .option('--since <time>', 'only commands received since (ISO 8601)')
    .option('--target <name>', 'only commands on this target')
    .option('--json', 'print the report as JSON')
    .action(run<import('./policy.command.js').PolicyReplayOptions>(policyReplay));

  const withArgument =
    <T>(action: (argument: string, options: T, io: CliIo) => Promise<number>) =>
    async (argument: string, options: T) => {
      try {
        status = await action(argument, options, io);
      } catch (error) {
        status = reportError(error, io);
      }
    };
  const approvals = program
    .command('approvals')
    .description('list, grant and deny just-in-time approvals (through the gateway API)');
  const apiOptions = (command: Command): Command =>
    command
      .option('--api <url>', 'gateway API base URL (default: $PORTCULLIS_API or http://127.0.0.1:8080)')
      .option('--token-file <file>', 'file holding your OIDC access token (default: $PORTCULLIS_TOKEN)')
      .option('--json', 'print JSON');
  apiOptions(approvals.command('list').description('list approvals, pending ones by default'))
    .option('--status <status>', 'pending, granted, denied, expired, cancelled or all', 'pending')
    .action(run<ApprovalsOptions & { status?: string }>(approvalsList));
  for (const kind of ['grant', 'deny'] as const) {
    apiOptions(approvals.command(`${kind} <approvalId>`).description(`${kind} an approval`))
      .option('--comment <text>', 'why (recorded with the decision)')
      .action(
        withArgument<ApprovalsOptions & { comment?: string }>((approvalId, options, io) =>
          approvalsDecide(kind, approvalId, options, io),
        ),
      );
  }

  const sessions = program
    .command('sessions')
    .description('live sessions (through the gateway API; an admin token, api.adminGroups)');
  apiOptions(
    sessions
      .command('terminate <sessionId>')
      .description(
        'end a live session on whichever instance holds it (PostgreSQL 57P01, SSH message then close)',
      ),
  )
    .option('--reason <text>', 'why (told to the client, recorded in SessionClosed)')
    .action(withArgument<ApiClientOptions & { reason?: string }>(sessionsTerminate));

  const identities = program
    .command('identities')
    .description('revoke identities on every instance (through the gateway API; an admin token)');
  apiOptions(
    identities
      .command('revoke')
      .description('refuse new sessions of an identity and end its live ones, until lifted or --expires'),
  )
    .option('--issuer <url>', 'token issuer (with --subject)')
    .option('--subject <sub>', 'token subject (with --issuer)')
    .option('--app-id <id>', 'or: an application (client) id, whatever the issuer')
    .option('--reason <text>', 'why (recorded; never told to the client)')
    .option('--expires <when>', 'ISO 8601 date-time, or a duration from now: 30m, 12h, 7d')
    .action(run<RevokeOptions>(identitiesRevoke));
  apiOptions(identities.command('unrevoke <revocationId>').description('lift a revocation'))
    .option('--reason <text>', 'why (recorded)')
    .action(withArgument<ApiClientOptions & { reason?: string }>(identitiesUnrevoke));
  apiOptions(identities.command('list').description('the revocations in force')).action(
    run<ApiClientOptions>(identitiesList),
  );

  const events = program.command('events').description('the event catalog and the event stream');
  storeOptions(
    events
      .command('tail')
      .description(
        'print every event after a position as JSON lines, in global order; exit 0 when done, or at SIGINT/SIGTERM with --follow',
      ),
  )
    .option(
      '--from <position>',
      'start after this position (<commit>/<prepare> as printed), or start | end (default: start)',
    )
    .option(
      '--checkpoint <name>',
      'resume after the position stored under this name, and store progress there',
    )
    .option('-f, --follow', 'keep streaming new events until SIGINT or SIGTERM')
    .option('--format <format>', 'json (the recorded events) or ocsf (OCSF 1.8.0)', 'json')
    .action(run<EventsTailOptions>(eventsTail));
  events
    .command('schema')
    .description('print the JSON Schema of every event')
    .action(
      run(async () => {
        io.stdout.write(JSON.stringify(eventCatalogJsonSchema(), null, 2) + '\n');
        return 0;
      }),
    );

  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : 2; // --help and --version exit 0; usage errors 2
    }
    throw error;
  }
  return status;
}
