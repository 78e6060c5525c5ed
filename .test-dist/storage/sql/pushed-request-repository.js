function createPushedRequestRepository(db, guard) {
  return {
    save: (record) => guard(async () => {
      await db.insertInto("pushed_requests").values({ digest: record.digest, client_id: record.clientId, params: JSON.stringify(record.params), expires_ms: record.expiresAt }).execute();
    }),
    take: (digest, now) => guard(async () => {
      const row = await db.deleteFrom("pushed_requests").where("digest", "=", digest).where("expires_ms", ">", now).returningAll().executeTakeFirst();
      if (!row) return void 0;
      return { digest: row.digest, clientId: row.client_id, params: JSON.parse(row.params), expiresAt: Number(row.expires_ms) };
    }),
    deleteExpired: (now, limit) => guard(async () => {
      const expired = db.selectFrom("pushed_requests").select("digest").where("expires_ms", "<=", now).limit(limit);
      const result = await db.deleteFrom("pushed_requests").where("digest", "in", expired).executeTakeFirst();
      return Number(result.numDeletedRows);
    })
  };
}
export {
  createPushedRequestRepository
};
//# sourceMappingURL=pushed-request-repository.js.map
