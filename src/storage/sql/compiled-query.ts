import type { Compilable, CompiledQuery, Kysely, QueryResult, Transaction } from 'kysely';
import type { Database } from './schema.js';

/** Distinct stand-ins for the arguments of {@link compileOnce}'s queries, shared by every repository that uses it. */
export const marker = {
  s1: '\u0000s1',
  s2: '\u0000s2',
  s3: '\u0000s3',
  s4: '\u0000s4',
  s5: '\u0000s5',
  s6: '\u0000s6',
  n1: -1.25e-301,
  n2: -2.25e-301,
  n3: -3.25e-301,
} as const;

/**
 * A query built and compiled by Kysely once, run many times with new values: the hot queries of the token
 * endpoint spent more time in Kysely building and compiling the same SQL than in SQLite running it.
 *
 * `build` is called once with `markers`, distinct values that stand for the arguments; their positions among
 * the compiled parameters say where each argument goes. A value the query holds itself (not a marker) is refused
 * when compiling, so that no argument can be silently left out.
 */
export function compileOnce<A extends readonly unknown[], R>(
  markers: A,
  build: (...args: A) => Compilable<R>,
): (executor: Kysely<Database> | Transaction<Database>, ...args: A) => Promise<QueryResult<R>> {
  let compiled: { query: CompiledQuery<R>; positions: number[] } | undefined;
  return (executor, ...args) => {
    if (!compiled) {
      const query = build(...markers).compile();
      const positions = query.parameters.map((parameter) => {
        const index = markers.indexOf(parameter);
        if (index < 0) return -1;
        return index;
      });
      const stray = positions.indexOf(-1);
      if (stray >= 0) return Promise.reject(new Error(`compileOnce: the query holds a value that is not a marker: ${String(query.parameters[stray])}`));
      compiled = { query, positions };
    }
    const { query, positions } = compiled;
    return executor.executeQuery<R>({ ...query, parameters: positions.map((index) => args[index]) });
  };
}
