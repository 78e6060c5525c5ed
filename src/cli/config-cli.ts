import type { Command } from 'commander';
import type { Config } from '../config/defaults.js';
import type { ConfigUse } from './config-flags.js';

/** What each command group needs from `main.ts`: the shared configuration flags and how it turns them into a Config. */
export interface ConfigCli {
  /**
   * Adds `--config` and the flags of the configuration options the command reads (`uses`; by default the
   * database and the key-encryption keys, which every command that opens the storage reads) to a command.
   */
  withConfigFlags(command: Command, uses?: ConfigUse): Command;
  /**
   * The validated configuration from a command's flags, the environment and the configuration file; `values`
   * are options the command sets from its own arguments (as flags do, over the file and the environment).
   */
  configFrom(flags: Record<string, unknown>, values?: Record<string, unknown>): Config;
}
