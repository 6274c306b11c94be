import { Command, CommanderError } from 'commander';
import { eventCatalogJsonSchema } from '@portcullis/events';
import { reportError, type CliIo, type StoreOptions } from './common.js';
import { serve } from './serve.command.js';
import { migrateCommand } from './migrate.command.js';
import { auditVerify } from './audit-verify.command.js';
import { policyBuild, policyEval, policyTest } from './policy.command.js';

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

  storeOptions(
    program.command('migrate').description('apply database migrations (also done on every start)'),
  ).action(run<StoreOptions>(migrateCommand));

  const audit = program.command('audit').description('audit-trail integrity');
  storeOptions(
    audit.command('verify').description('check every stream’s hash chain; exit 1 on a broken link'),
  )
    .option('-s, --stream <name>', 'check only this stream')
    .option('--json', 'print the report as JSON')
    .action(run<StoreOptions & { stream?: string; json?: boolean }>(auditVerify));

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
    .action(run<{ bundle?: string; fixtures?: string }>(policyTest));
  policy
    .command('eval')
    .description('decide one input file and print the decision as JSON, with its timing')
    .requiredOption('--input <file>', 'policy input JSON')
    .option('--entrypoint <name>', 'session or command', 'command')
    .option('--bundle <path>', 'bundle .tar.gz or directory (default: the shipped bundle)')
    .action(run<{ input?: string; entrypoint?: string; bundle?: string }>(policyEval));

  const events = program.command('events').description('the event catalog');
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
