import { InvalidArgumentError } from "commander";
import { parseDuration } from "../config/load.js";
import { cliActor } from "../operations/actor.js";
import { issueInitialAccessToken, listInitialAccessTokens, revokeInitialAccessToken } from "../operations/initial-access-tokens.js";
import { OperationError } from "../operations/operation-error.js";
import { initialAccessTokenStatus } from "../protocol/registration/initial-access-token.js";
import { formatTable, isoTime, readableTime } from "./output.js";
import { positiveInteger, reportRefusals } from "./command-support.js";
import { operationRefusal, withOperatorPorts } from "./operation-support.js";
import { storageOptions } from "./config-flags.js";
function registerIatCommands(program, context) {
  const iat = program.command("iat").description("create, list and revoke initial access tokens for protected registration");
  context.withConfigFlags(iat.command("create").description("create an initial access token and print it (shown once)"), [...storageOptions, "registration.policies"]).option("--uses <n>", "how many registrations it allows (default: unlimited)", positiveInteger).option("--expires <duration>", "lifetime, e.g. 3600, 12h, 7d (default: never)", duration).option("--policy <name>", "registration policy for clients registered with it").option("--description <text>", "a note for operators: who it is for").option("--json", "print JSON instead of sentences").action(async (flags) => {
    const config = context.configFrom(flags);
    await reportRefusals(() => withOperatorPorts(config, async (ports) => {
      const { token, record } = await issueInitialAccessToken(
        {
          maxUses: flags["uses"] ?? null,
          expiresInSeconds: flags["expires"] ?? null,
          policy: flags["policy"] ?? null,
          description: flags["description"] ?? null
        },
        ports,
        cliActor
      );
      if (flags["json"]) {
        write(`${JSON.stringify({ token, ...toJson(record, ports.clock.now()) }, null, 2)}
`);
        return;
      }
      write(
        `Initial access token ${record.id} created${record.maxUses === null ? "" : `, for ${record.maxUses} registration${record.maxUses === 1 ? "" : "s"}`}${record.expiresAt === null ? "" : `, until ${readableTime(record.expiresAt)}`}${record.policy === null ? "" : `, policy ${record.policy}`}.
Send it as "Authorization: Bearer <token>" with the registration request. It is shown only now:

${token}
`
      );
    }), operationRefusal);
  });
  context.withConfigFlags(iat.command("list").description("list initial access tokens (never their secrets)")).option("--json", "print JSON instead of a table").action(async (flags) => {
    await reportRefusals(() => withOperatorPorts(context.configFrom(flags), async (ports) => {
      const now = ports.clock.now();
      const tokens = await listInitialAccessTokens(ports);
      if (flags["json"]) return write(`${JSON.stringify(tokens.map((t) => toJson(t, now)), null, 2)}
`);
      if (tokens.length === 0) return write("No initial access tokens. Create one with `latchkey iat create`.\n");
      return write(
        formatTable(
          ["ID", "STATUS", "USES", "EXPIRES", "POLICY", "CREATED", "DESCRIPTION"],
          tokens.map((t) => [
            t.id,
            initialAccessTokenStatus(t, now),
            `${t.uses}/${t.maxUses ?? "\u221E"}`,
            readableTime(t.expiresAt),
            t.policy ?? "-",
            readableTime(t.createdAt),
            t.description ?? ""
          ])
        )
      );
    }), operationRefusal);
  });
  context.withConfigFlags(iat.command("revoke").description("revoke an initial access token: it registers nothing more").argument("<id>", "the token id from `iat list`")).option("--json", "print JSON instead of a sentence").action(async (id, flags) => {
    await reportRefusals(() => withOperatorPorts(context.configFrom(flags), async (ports) => {
      try {
        await revokeInitialAccessToken(id, ports, cliActor);
      } catch (error) {
        if (!(error instanceof OperationError && error.code === "not_found")) throw error;
        if (flags["json"]) write(`${JSON.stringify({ id, revoked: false })}
`);
        throw error;
      }
      write(flags["json"] ? `${JSON.stringify({ id, revoked: true })}
` : `Initial access token ${id} revoked.
`);
    }), operationRefusal);
  });
}
function toJson(token, now) {
  return {
    id: token.id,
    status: initialAccessTokenStatus(token, now),
    uses: token.uses,
    maxUses: token.maxUses,
    policy: token.policy,
    description: token.description,
    createdAt: isoTime(token.createdAt),
    expiresAt: token.expiresAt === null ? null : isoTime(token.expiresAt),
    revokedAt: token.revokedAt === null ? null : isoTime(token.revokedAt)
  };
}
function duration(value) {
  const seconds = parseDuration(value);
  if (seconds === void 0 || seconds < 1) throw new InvalidArgumentError("expected a duration such as 3600, 12h or 7d");
  return seconds;
}
function write(text) {
  process.stdout.write(text);
}
export {
  registerIatCommands
};
//# sourceMappingURL=iat.js.map
