import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { forEachDatabase, type DatabaseKind, type TestDatabase } from '../support/databases.js';
import { atAddress, spawnServer, type ServerProcess } from '../support/process.js';

/**
 * PRODUCT §5: "A registration that answered 201 survives a kill -9 of the server the next instant."
 *
 * The real server process registers clients under concurrent load and is killed with SIGKILL while requests
 * are in flight; restarted on the same database, it must know every client it answered 201 for, with the
 * registration access token it handed out (RFC 7592 §2.1).
 */

/** Registrations in flight at once. */
const concurrency = 32;
/** How long the load runs before each kill. */
const loadMs = 1200;
/** Kill-and-restart rounds: each also recovers the database the previous kill left behind. */
const rounds = 3;

interface Registered {
  clientId: string;
  token: string;
  uri: string;
  redirectUris: string[];
}

interface RoundResult {
  registered: Registered[];
  acknowledgedBeforeKill: number;
  inFlightAtKill: number;
  outcomes: Map<string, number>;
  exit: { code: number | null; signal: NodeJS.Signals | null };
}

/**
 * Keeps {@link concurrency} registrations in flight against `server` for {@link loadMs}, then sends it SIGKILL
 * without waiting for them, and returns every registration that was answered 201 (before or after the signal).
 */
async function registerUntilKilled(server: ServerProcess, round: number): Promise<RoundResult> {
  const registered: Registered[] = [];
  const outcomes = new Map<string, number>();
  const count = (outcome: string) => outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  let inFlight = 0;
  let killed = false;
  let sequence = 0;

  const worker = async (w: number) => {
    while (!killed) {
      const n = sequence++;
      const redirectUris = [`https://app${round}-${n}.example/cb`, `http://127.0.0.1:${1024 + (n % 60_000)}/callback`];
      const body = JSON.stringify({
        client_name: `Durable client ${round}/${w}/${n}`,
        redirect_uris: redirectUris,
        token_endpoint_auth_method: n % 2 === 0 ? 'none' : 'client_secret_basic',
      });
      inFlight++;
      try {
        const response = await fetch(`${server.address}/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        const text = await response.text();
        count(String(response.status));
        if (response.status === 201) {
          const json = JSON.parse(text) as Record<string, unknown>;
          registered.push({
            clientId: json['client_id'] as string,
            token: json['registration_access_token'] as string,
            uri: json['registration_client_uri'] as string,
            redirectUris,
          });
        } else if (!killed) {
          throw new Error(`registration answered ${response.status} before the kill: ${text.slice(0, 300)}`);
        }
      } catch (error) {
        // Connection refused or reset: expected once the process is gone, not before.
        if (!killed) throw error;
        count('network error');
      } finally {
        inFlight--;
      }
    }
  };

  const load = Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  let loadFailure: unknown;
  load.catch((error: unknown) => (loadFailure = error));
  await new Promise((resolve) => setTimeout(resolve, loadMs));
  const inFlightAtKill = inFlight;
  const acknowledgedBeforeKill = registered.length;
  killed = true;
  server.child.kill('SIGKILL');
  const exit = await server.exited;
  await load.catch(() => {});
  if (loadFailure) throw loadFailure;
  return { registered, acknowledgedBeforeKill, inFlightAtKill, outcomes, exit };
}

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('a 201 survives kill -9 under load', () => {
    let database: TestDatabase | undefined;
    const processes: ServerProcess[] = [];

    before(async () => {
      database = await kind.create();
    });
    after(async () => {
      // Whatever happened, no server process outlives the test, and the database goes.
      await Promise.all(processes.map((p) => p.kill()));
      await database?.cleanup();
    });

    it('reads back every client that got a 201 after SIGKILLs and a restart', { timeout: 180_000 }, async (t) => {
      const registered: Registered[] = [];
      for (let round = 1; round <= rounds; round++) {
        const server = await spawnServer({ databaseUrl: database!.url });
        processes.push(server);
        const result = await registerUntilKilled(server, round);
        registered.push(...result.registered);
        t.diagnostic(
          `${kind.name} round ${round}: ${result.registered.length} registrations got 201 ` +
            `(${result.acknowledgedBeforeKill} before the SIGKILL was sent), ${result.inFlightAtKill} requests in flight at the kill; ` +
            `outcomes: ${[...result.outcomes].map(([s, n]) => `${s}: ${n}`).join(', ')}`,
        );
        assert.equal(result.exit.signal, 'SIGKILL', 'the process died of the SIGKILL, not of something else');
        assert.ok(result.inFlightAtKill > 0, 'requests were in flight when the process was killed');
      }
      assert.ok(registered.length > 50, `only ${registered.length} registrations succeeded`);
      assert.equal(new Set(registered.map((c) => c.clientId)).size, registered.length, 'client ids are unique');

      // A last restart reads back the clients of every round.
      const last = await spawnServer({ databaseUrl: database!.url });
      processes.push(last);
      assert.notEqual(last.port, 0);

      // Read back every acknowledged client, a few at a time.
      const missing: string[] = [];
      let checked = 0;
      const queue = [...registered];
      const reader = async () => {
        for (let client = queue.shift(); client; client = queue.shift()) {
          const response = await fetch(atAddress(client.uri, last.address), {
            headers: { authorization: `Bearer ${client.token}` },
          });
          const text = await response.text();
          checked++;
          if (response.status !== 200) {
            missing.push(`${client.clientId}: ${response.status} ${text.slice(0, 200)}`);
            continue;
          }
          const json = JSON.parse(text) as Record<string, unknown>;
          assert.equal(json['client_id'], client.clientId);
          assert.deepEqual(json['redirect_uris'], client.redirectUris);
        }
      };
      await Promise.all(Array.from({ length: 8 }, reader));

      t.diagnostic(`${kind.name}: read back ${checked} clients after the restart, ${missing.length} missing`);
      assert.equal(checked, registered.length);
      assert.deepEqual(missing, [], `clients acknowledged with 201 but lost after kill -9:\n${missing.slice(0, 20).join('\n')}`);

      const health = await fetch(`${last.address}/healthz`);
      assert.equal(health.status, 200);
    });
  });
});
