/** `huiyuan config`: the effective config, every default filled in, and where it came from. */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { renderJson } from '../output.js';

export function registerConfig(program: Command, getContext: () => CommandContext): void {
  program
    .command('config')
    .description(
      'print the effective config (the file over the defaults) as JSON; its output is itself a valid config file',
    )
    .action(() => {
      const { config } = getContext();
      const { databasePath, configPath, ...settings } = config;
      process.stderr.write(
        `database ${databasePath}; config ${configPath ?? 'none found (defaults only); write huiyuan.config.json beside the database to change them'}\n`,
      );
      process.stdout.write(`${renderJson(settings)}\n`);
    });
}
