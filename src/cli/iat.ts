import { InvalidArgumentError, type Command } from 'commander';
import type { ConfigCli } from './config-cli.js';
import { parseDuration } from '../config/load.js';
import { cliActor } from '../operations/actor.js';
import { issueInitialAccessToken, listInitialAccessTokens, revokeInitialAccessToken } from '../operations/initial-access-tokens.js';
import { OperationError } from '../operations/operation-error.js';
import { initialAccessTokenStatus } from '../protocol/registration/initial-access-token.js';
import type { InitialAccessTokenRecord } from '../ports/initial-access-tokens.js';
import { formatTable, isoTime, readableTime } from './output.js';
import { positiveInteger, reportRefusals } from './command-support.js';
import { operationRefusal, withOperatorPorts } from './operation-support.js';
import { storageOptions } from './config-flags.js';

/**
 * `latchkey iat create|list|revoke`: initial access tokens (RFC 7591 §3) for `registration.mode: "protected"`
 * (or, in open mode, to register under a named policy). The secret is printed once, at creation; only its
 * digest is stored. Exit status: 0 done, 1 no such token, 2 bad usage.
 */
export function registerIatCommands(program: Command, context: ConfigCli): void {
  const iat = program.command('iat').description('create, list and revoke initial access tokens for protected registration');

  context
    .withConfigFlags(iat.command('create').description('create an initial access token and print it (shown once)'), [...storageOptions, 'registration.policies'])
    .option('--uses <n>', 'how many registrations it allows (default: unlimited)', positiveInteger)
    .option('--expires <duration>', 'lifetime, e.g. 3600, 12h, 7d (default: never)', duration)
    .option('--policy <name>', 'registration policy for clients registered with it')
    .option('--description <text>', 'a note for operators: who it is for')
    .option('--json', 'print JSON instead of sentences')
    .action(async (flags: Record<string, unknown>) => {
      const config = context.configFrom(flags);
      await reportRefusals(() => withOperatorPorts(config, async (ports) => {
        const { token, record } = await issueInitialAccessToken(
          {
            maxUses: (flags['uses'] as number | undefined) ?? null,
            expiresInSeconds: (flags['expires'] as number | undefined) ?? null,
            policy: (flags['policy'] as string | undefined) ?? null,
            description: (flags['description'] as string | undefined) ?? null,
          },
          ports,
          cliActor,
        );
        if (flags['json']) {
          write(`${JSON.stringify({ token, ...toJson(record, ports.clock.now()) }, null, 2)}\n`);
          return;
        }
        write(
          `Initial access token ${record.id} created` +
            `${record.maxUses === null ? '' : `, for ${record.maxUses} registration${record.maxUses === 1 ? '' : 's'}`}` +
            `${record.expiresAt === null ? '' : `, until ${readableTime(record.expiresAt)}`}` +
            `${record.policy === null ? '' : `, policy ${record.policy}`}.\n` +
            `Send it as "Authorization: Bearer <token>" with the registration request. It is shown only now:\n\n${token}\n`,
        );
      }), operationRefusal);
    });

  context
    .withConfigFlags(iat.command('list').description('list initial access tokens (never their secrets)'))
    .option('--json', 'print JSON instead of a table')
    .action(async (flags: Record<string, unknown>) => {
      await reportRefusals(() => withOperatorPorts(context.configFrom(flags), async (ports) => {
        const now = ports.clock.now();
        const tokens = await listInitialAccessTokens(ports);
        if (flags['json']) return write(`${JSON.stringify(tokens.map((t) => toJson(t, now)), null, 2)}\n`);
        if (tokens.length === 0) return write('No initial access tokens. Create one with `latchkey iat create`.\n');
        return write(
          formatTable(
            ['ID', 'STATUS', 'USES', 'EXPIRES', 'POLICY', 'CREATED', 'DESCRIPTION'],
            tokens.map((t) => [
              t.id,
              initialAccessTokenStatus(t, now),
              `${t.uses}/${t.maxUses ?? '∞'}`,
              readableTime(t.expiresAt),
              t.policy ?? '-',
              readableTime(t.createdAt),
              t.description ?? '',
            ]),
          ),
        );
      }), operationRefusal);
    });

  context
    .withConfigFlags(iat.command('revoke').description('revoke an initial access token: it registers nothing more').argument('<id>', 'the token id from `iat list`'))
    .option('--json', 'print JSON instead of a sentence')
    .action(async (id: string, flags: Record<string, unknown>) => {
      await reportRefusals(() => withOperatorPorts(context.configFrom(flags), async (ports) => {
        try {
          await revokeInitialAccessToken(id, ports, cliActor);
        } catch (error) {
          if (!(error instanceof OperationError && error.code === 'not_found')) throw error;
          // The answer to a script stays JSON, the refusal a line on stderr and exit 1.
          if (flags['json']) write(`${JSON.stringify({ id, revoked: false })}\n`);
          throw error;
        }
        write(flags['json'] ? `${JSON.stringify({ id, revoked: true })}\n` : `Initial access token ${id} revoked.\n`);
      }), operationRefusal);
    });
}

function toJson(token: InitialAccessTokenRecord, now: number) {
  return {
    id: token.id,
    status: initialAccessTokenStatus(token, now),
    uses: token.uses,
    maxUses: token.maxUses,
    policy: token.policy,
    description: token.description,
    createdAt: isoTime(token.createdAt),
    expiresAt: token.expiresAt === null ? null : isoTime(token.expiresAt),
    revokedAt: token.revokedAt === null ? null : isoTime(token.revokedAt),
  };
}

function duration(value: string): number {
  const seconds = parseDuration(value);
  if (seconds === undefined || seconds < 1) throw new InvalidArgumentError('expected a duration such as 3600, 12h or 7d');
  return seconds;
}

function write(text: string): void {
  process.stdout.write(text);
}
