function createReplayRepository(db, guard, batcher) {
  const write = (work) => batcher ? batcher.run(work) : guard(() => work(db));
  return {
    useOnce: (key, expiresAt, now) => write(async (trx) => {
      const result = await trx.insertInto("used_values").values({ key, expires_ms: expiresAt }).onConflict(
        (c) => c.column("key").doUpdateSet({ expires_ms: expiresAt }).where("used_values.expires_ms", "<=", now)
      ).executeTakeFirst();
      return (result.numInsertedOrUpdatedRows ?? 0n) === 1n;
    }),
    deleteExpired: (now, limit) => guard(async () => {
      const expired = db.selectFrom("used_values").select("key").where("expires_ms", "<=", now).limit(limit);
      const result = await db.deleteFrom("used_values").where("key", "in", expired).executeTakeFirst();
      return Number(result.numDeletedRows);
    })
  };
}
export {
  createReplayRepository
};
//# sourceMappingURL=replay-repository.js.map
