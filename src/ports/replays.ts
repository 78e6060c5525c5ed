/**
 * Values that may be used once: the `jti` of a client assertion (RFC 7523), of a DPoP proof (RFC 9449) or of an
 * identity assertion, remembered until the JWT that carried it has expired. Shared by every instance through the
 * database: a value replayed at another instance is refused there too.
 */
export interface ReplayStore {
  /**
   * Records `key` (namespaced by the caller, e.g. `dpop:<jkt>:<jti>`) as used until `expiresAt` (milliseconds).
   * Resolves `true` the first time, `false` when it is already recorded and not yet expired. The primary key
   * decides: of concurrent uses of one key, exactly one gets `true`.
   */
  useOnce(key: string, expiresAt: number, now: number): Promise<boolean>;
  /** Forgets up to `limit` values expired before `now`; resolves how many. */
  deleteExpired(now: number, limit: number): Promise<number>;
}
