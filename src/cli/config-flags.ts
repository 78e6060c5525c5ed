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

/** Adds `--config` and every configuration flag of the option table to a command. */
export function withConfigFlags(command: Command): Command {
  command.option('-c, --config <file>', 'JSON configuration file (also LATCHKEY_CONFIG)');
  for (const { option } of configFlags) command.addOption(option);
  return command;
}

/** The validated configuration from a command's parsed flags, the environment and the configuration file. */
export function configFrom(flags: Record<string, unknown>, env: Record<string, string | undefined> = process.env) {
  const values: Record<string, unknown> = {};
  for (const { option, key } of configFlags) values[key] = flags[option.attributeName()];
  return loadConfig({ file: flags['config'] as string | undefined, env, flags: values });
}
