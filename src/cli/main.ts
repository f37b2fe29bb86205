/**
 * The `huiyuan` command line: parses argv, builds the context from the global options, and
 * turns every failure into one clear line on stderr and a non-zero exit code (the stack only
 * with --verbose). Commands load their modules on demand so `--help` starts fast.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { AppError, toAppError } from '../errors.js';
import { registerCommunities } from './commands/communities.js';
import { registerConfig } from './commands/config.js';
import { registerDemo } from './commands/demo.js';
import { registerGenerate } from './commands/generate.js';
import { registerImport } from './commands/import.js';
import { registerKpis } from './commands/kpis.js';
import { registerLifecycle } from './commands/lifecycle.js';
import { registerMember } from './commands/member.js';
import { registerPredict } from './commands/predict.js';
import { registerProfile } from './commands/profile.js';
import { registerMonitor } from './commands/monitor.js';
import { registerRefresh } from './commands/refresh.js';
import { registerReport } from './commands/report.js';
import { registerRfm } from './commands/rfm.js';
import { registerCoupons } from './commands/coupons.js';
import { registerRules } from './commands/rules.js';
import { registerDeliveries } from './commands/deliveries.js';
import { registerSignal } from './commands/signal.js';
import { registerStatus } from './commands/status.js';
import { registerTags } from './commands/tags.js';
import { registerTiers } from './commands/tiers.js';
import { createContext, type CommandContext, type GlobalOptions } from './context.js';

/** The command list of --help, grouped by the day's work; every command is in one group. */
export const COMMAND_GROUPS = {
  'Daily:': ['refresh', 'monitor', 'report', 'kpis'],
  'Members:': [
    'member',
    'rfm',
    'tiers',
    'lifecycle',
    'invite-candidates',
    'tags',
    'profile',
    'wanted',
    'communities',
    'predict',
  ],
  'Preset conditions (预设条件):': ['rules', 'signal', 'deliveries', 'coupons'],
  'Data:': ['import', 'status', 'generate', 'demo', 'config'],
} as const;

/** Commands that may create the database file; every other one refuses a missing file. */
const STORE_CREATING_COMMANDS: ReadonlySet<string> = new Set(['import', 'demo']);

/** package.json's version: two folders up from both src/cli and dist/cli. */
function readVersion(): string {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command('huiyuan')
    .description(
      'huiyuan (会员): member-marketing engine for online stores — RFM, tiers, lifecycle, KPIs, alerts',
    )
    .option('--db <path>', 'database file (default: $HUIYUAN_DB, else ./huiyuan.duckdb)')
    .option('--config <path>', 'config file (default: huiyuan.config.json beside the database)')
    .option('--verbose', 'show stack traces and internal detail on errors')
    // Not commander's .version(): a program option is recognised after the subcommand too, and
    // `rules show ID --version N` is a subcommand's own flag. main() answers a leading --version.
    .addHelpText('afterAll', '\nhuiyuan --version (or -V) prints the version.')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  let context: CommandContext | undefined;
  let running = '';
  program.hook('preAction', (_program, action) => {
    running = action.name();
  });
  const getContext = (): CommandContext =>
    (context ??= createContext(program.opts<GlobalOptions>(), {
      mayCreateStore: STORE_CREATING_COMMANDS.has(running),
    }));
  // In the order of COMMAND_GROUPS: --help lists groups and commands in registration order.
  registerRefresh(program, getContext);
  registerMonitor(program, getContext);
  registerReport(program, getContext);
  registerKpis(program, getContext);
  registerMember(program, getContext);
  registerRfm(program, getContext);
  registerTiers(program, getContext);
  registerLifecycle(program, getContext);
  registerTags(program, getContext);
  registerProfile(program, getContext);
  registerCommunities(program, getContext);
  registerPredict(program, getContext);
  registerRules(program, getContext);
  registerSignal(program, getContext);
  registerDeliveries(program, getContext);
  registerCoupons(program, getContext);
  registerImport(program, getContext);
  registerStatus(program, getContext);
  registerGenerate(program, getContext);
  registerDemo(program, getContext);
  registerConfig(program, getContext);
  for (const command of program.commands) {
    command.exitOverride();
    const group = Object.entries(COMMAND_GROUPS).find(([, names]) =>
      (names as readonly string[]).includes(command.name()),
    );
    if (group) command.helpGroup(group[0]);
  }
  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  // `huiyuan rfm --members | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  if (argv[2] === '--version' || argv[2] === '-V') {
    process.stdout.write(`${readVersion()}\n`);
    return;
  }
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
  } catch (thrown) {
    if (thrown instanceof CommanderError) {
      // Commander already printed its one line (or the help); only the exit code is ours.
      process.exitCode = thrown.exitCode === 0 ? 0 : 2;
      return;
    }
    const error = toAppError(thrown);
    process.stderr.write(`huiyuan: ${error.message}\n`);
    for (const line of error.details) process.stderr.write(`  ${line}\n`);
    if (program.opts<GlobalOptions>().verbose) {
      process.stderr.write(`${describeStack(error)}\n`);
    } else if (error.code === 'INTERNAL') {
      process.stderr.write('  (this is a bug in huiyuan; run again with --verbose for the stack trace)\n');
    }
    process.exitCode = error.exitCode;
  }
}

function describeStack(error: AppError): string {
  const cause =
    error.cause instanceof Error ? `\ncaused by: ${error.cause.stack ?? error.cause.message}` : '';
  return `${error.stack ?? ''}${cause}`;
}
