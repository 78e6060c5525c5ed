import { createRequire } from 'node:module';
import { ConfigError } from './load.js';

/**
 * The drivers a configuration may ask for that are not installed with Latchkey (optional peer dependencies):
 * a SQLite server carries neither. Each names what needs it, for the one-line error when it is missing.
 */
export const optionalPackages = {
  pg: 'database.url postgres://…',
  ioredis: 'redis.url redis://…',
} as const;

export type OptionalPackage = keyof typeof optionalPackages;

/** The one-line refusal when `name` is not installed; a {@link ConfigError}, so the CLI prints it without a stack. */
export function missingPackageError(name: OptionalPackage): ConfigError {
  return new ConfigError(`${optionalPackages[name]} needs the ${name} package, which is not installed: run npm install ${name}`);
}

/**
 * Whether `error` says that the package `name` itself could not be found (not a module inside it, nor another
 * package it needs): `import()` reports `Cannot find package 'pg' imported from …`, `require()` `Cannot find
 * module 'ioredis'`.
 */
export function isMissingPackage(error: unknown, name: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  return typeof message === 'string' && new RegExp(`^Cannot find (package|module) '${name}'`).test(message);
}

/**
 * Runs `load` (a dynamic `import()` of a module that imports `name`), turning "`name` is not installed" into
 * {@link missingPackageError}. Any other failure is passed on as it is.
 */
export async function importOptional<T>(name: OptionalPackage, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isMissingPackage(error, name)) throw missingPackageError(name);
    throw error;
  }
}

/**
 * Loads the CommonJS package `name` where the caller cannot wait for an `import()` (a synchronous factory),
 * with the same one-line error when it is missing.
 */
export function requireOptional<T>(name: OptionalPackage): T {
  try {
    return createRequire(import.meta.url)(name) as T;
  } catch (error) {
    if (isMissingPackage(error, name)) throw missingPackageError(name);
    throw error;
  }
}
