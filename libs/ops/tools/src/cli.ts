// `npm run ops -- <command>`: the operator's command line. Every command reads the configuration the
// services read (readConfig) and finds the store as they do (eventStoreFor); none starts the HTTP
// server or a consumer. Exit status: 0 done, 1 failed (the reason on stderr), 2 a usage mistake
// (`reconcile`: 3 when it found a discrepancy).
import { ConfigError } from '@creditflow/shell';
import { CommandSpec, ParsedArgs, UsageError, commandHelp, parseArgs } from './args';
import { accountSpec, showAccount } from './commands/account';
import { deadLetters, deadLettersSpec } from './commands/dead-letters';
import { exportLedger, exportLedgerSpec } from './commands/export-ledger';
import { reconcile, reconcileSpec } from './commands/reconcile';
import { rebuild, rebuildSpec } from './commands/rebuild-projections';
import { simulate, simulateSpec } from './commands/simulate';
import { createTopics, topicsSpec } from './commands/topics';
import { validateTenants, validateTenantsSpec } from './commands/validate-tenants';
import { OpsError, OpsIo } from './io';

interface Command {
  spec: CommandSpec;
  run(args: ParsedArgs, io: OpsIo): Promise<number>;
}

export const COMMANDS: Command[] = [
  { spec: validateTenantsSpec, run: validateTenants },
  { spec: topicsSpec, run: createTopics },
  { spec: deadLettersSpec, run: deadLetters },
  { spec: accountSpec, run: showAccount },
  { spec: rebuildSpec, run: rebuild },
  { spec: exportLedgerSpec, run: exportLedger },
  { spec: simulateSpec, run: simulate },
  { spec: reconcileSpec, run: reconcile },
];

export function mainHelp(program = 'npm run ops --'): string {
  const width = Math.max(...COMMANDS.map((c) => c.spec.name.length));
  return [
    `usage: ${program} <command> [arguments] [options]`,
    '',
    "creditflow's operator tools. They read the same environment as the services (CREDITFLOW_DATA_DIR, DATABASE_URL,",
    'EVENTSTORE_CONNECTION_STRING, KAFKA_BROKERS, ...), open the store and bus the services use, and never start a server.',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.spec.name.padEnd(width)}  ${c.spec.summary}`),
    '',
    `${program} <command> --help describes a command.`,
    '',
  ].join('\n');
}

/** Runs one command line (without the program name); answers the exit status. Never throws. */
export async function runOps(argv: readonly string[], io: OpsIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    if (name === 'help' && rest[0]) return runOps([rest[0], '--help'], io);
    (name === undefined ? io.err : io.out)(mainHelp());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.spec.name === name);
  if (!command) {
    io.err(`unknown command "${name}"\n\n${mainHelp()}`);
    return 2;
  }
  try {
    const args = parseArgs(command.spec, rest);
    if (args.help) {
      io.out(commandHelp(command.spec));
      return 0;
    }
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n\n${commandHelp(error.command ?? command.spec)}`);
      return 2;
    }
    if (error instanceof OpsError) {
      io.err(`${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof ConfigError) {
      io.err(`${error.message}\n`);
      return 1;
    }
    io.err(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}
