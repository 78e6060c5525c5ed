import { Option } from "commander";
import { options } from "../config/defaults.js";
import { loadConfig } from "../config/load.js";
const placeholders = {
  string: "<value>",
  url: "<url>",
  path: "<path>",
  int: "<n>",
  bool: "[true|false]",
  enum: "<name>",
  list: "<a,b,\u2026>",
  "nullable-string": "<value>",
  duration: "<duration>",
  json: "<json>",
  "trust-proxy": "[true|false|addresses]"
};
const configFlags = options.filter((spec) => spec.flag !== void 0).map((spec) => {
  const placeholder = spec.key.endsWith(".url") ? "<url>" : placeholders[spec.kind.type];
  return { option: new Option(`${spec.flag} ${placeholder}`, firstSentence(spec)), key: spec.key };
});
function firstSentence(spec) {
  const sentence = /^.*?[.:](?=\s|$)/.exec(spec.doc)?.[0] ?? spec.doc;
  const text = spec.kind.type === "enum" ? `${spec.key}: ${spec.kind.values.slice(0, -1).join(", ")} or ${spec.kind.values.at(-1)}` : sentence.replace(/[.:]$/, "").replace(/`/g, "");
  return spec.env?.[0] ? `${text} (also ${spec.env[0]})` : text;
}
const storageOptions = ["database", "secrets"];
function withConfigFlags(command, uses = storageOptions) {
  command.option("-c, --config <file>", "JSON configuration file (also LATCHKEY_CONFIG)");
  const covers = (key) => uses === "all" || uses.some((use) => key === use || key.startsWith(`${use}.`));
  if (uses !== "all") {
    const unknown = uses.filter((use) => !options.some((spec) => spec.key === use || spec.key.startsWith(`${use}.`)));
    if (unknown.length > 0) throw new Error(`latchkey ${command.name()}: no configuration option ${unknown.join(", ")}`);
  }
  for (const { option, key } of configFlags) if (covers(key)) command.addOption(option);
  return command;
}
function configFrom(flags, env = process.env, extra = {}) {
  const values = { ...extra };
  for (const { option, key } of configFlags) values[key] ??= flags[option.attributeName()];
  return loadConfig({ file: flags["config"], env, flags: values });
}
export {
  configFlags,
  configFrom,
  storageOptions,
  withConfigFlags
};
//# sourceMappingURL=config-flags.js.map
