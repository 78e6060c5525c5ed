import { Option, type Command } from 'commander';
import { options, type OptionSpec } from '../config/defaults.js';
import { loadConfig } from '../config/load.js';

/** What a flag's value looks like in `--help`, by the option's kind. */
const placeholders: Record<OptionSpec['kind']['type'], string> = {
  string: '<value>',
  url: '<url>',
  path: '<path>',
  int: '<n>',
  bool: '[true|false]',
  enum: '<name>',
  list: '<a,b,…>',
  'nullable-string': '<value>',
  duration: '<duration>',
  json: '<json>',
  'trust-proxy': '[true|false|addresses]',
};

/**
 * Every command-line flag the option table documents (`flag` in src/config/defaults.ts), as a commander option
 * with the option key it sets: the table is the one list, so a documented flag cannot be missing from a command.
 * A flag whose value is optional (`[…]`: the booleans, `--trust-proxy`) may stand alone, and then means true.
 */
export const configFlags: readonly { option: Option; key: string }[] = options
  .filter((spec): spec is OptionSpec & { flag: string } => spec.flag !== undefined)
  .map((spec) => {
    const placeholder = spec.key.endsWith('.url') ? '<url>' : placeholders[spec.kind.type];
    return { option: new Option(`${spec.flag} ${placeholder}`, firstSentence(spec)), key: spec.key };
  });

/** For `--help`: the doc's first sentence (an enum's values instead), and the environment variable. */
function firstSentence(spec: OptionSpec): string {
  const sentence = /^.*?[.:](?=\s|$)/.exec(spec.doc)?.[0] ?? spec.doc;
  const text =
    spec.kind.type === 'enum'
      ? `${spec.key}: ${spec.kind.values.slice(0, -1).join(', ')} or ${spec.kind.values.at(-1)}`
      : sentence.replace(/[.:]$/, '').replace(/`/g, '');
  return spec.env?.[0] ? `${text} (also ${spec.env[0]})` : text;
}

/**
 * The configuration a command reads: `'all'` (`serve`), or option keys, where a key also covers the options under
 * it (`database` is `database.url`, `database.poolSize`…). Its `--help` lists the flags of these options only.
 */
export type ConfigUse = 'all' | readonly string[];

/** What a command that only opens the storage reads: the database, and the key-encryption keys its values are sealed with. */
export const storageOptions: ConfigUse = ['database', 'secrets'];

/**
 * Adds `--config` and the flags of the options `uses` names (every flag of the option table for `'all'`) to a
 * command. The configuration file and the environment still set every option; a flag of an option the command
 * does not read is refused as unknown rather than silently ignored.
 */
export function withConfigFlags(command: Command, uses: ConfigUse = storageOptions): Command {
  command.option('-c, --config <file>', 'JSON configuration file (also LATCHKEY_CONFIG)');
  const covers = (key: string) => uses === 'all' || uses.some((use) => key === use || key.startsWith(`${use}.`));
  if (uses !== 'all') {
    // A declared key that names no option is a typo that would quietly drop a flag from the command.
    const unknown = uses.filter((use) => !options.some((spec) => spec.key === use || spec.key.startsWith(`${use}.`)));
    if (unknown.length > 0) throw new Error(`latchkey ${command.name()}: no configuration option ${unknown.join(', ')}`);
  }
  for (const { option, key } of configFlags) if (covers(key)) command.addOption(option);
  return command;
}

/** The validated configuration from a command's parsed flags, the environment and the configuration file. */
export function configFrom(flags: Record<string, unknown>, env: Record<string, string | undefined> = process.env, extra: Record<string, unknown> = {}) {
  const values: Record<string, unknown> = { ...extra };
  for (const { option, key } of configFlags) values[key] ??= flags[option.attributeName()];
  return loadConfig({ file: flags['config'] as string | undefined, env, flags: values });
}
