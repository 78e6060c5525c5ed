import type { Command } from 'commander';
import type { Config } from '../config/defaults.js';

/** What each command group needs from `main.ts`: the shared configuration flags and how it turns them into a Config. */
export interface ConfigCli {
  /** Adds `--config`, `--database` and the other configuration flags to a command. */
  withConfigFlags(command: Command): Command;
  /** The validated configuration from a command's flags, the environment and the configuration file. */
  configFrom(flags: Record<string, unknown>): Config;
}
