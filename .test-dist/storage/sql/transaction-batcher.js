import { GroupCommit } from "./group-commit.js";
function createTransactionBatcher(db, guard, options) {
  const commits = new GroupCommit(
    (units) => guard(
      () => db.transaction().execute(async (trx) => {
        const results = [];
        for (const unit of units) results.push(await unit(trx));
        return results;
      })
    ),
    options
  );
  return {
    run: (work) => commits.add(work),
    drain: () => commits.drain()
  };
}
export {
  createTransactionBatcher
};
//# sourceMappingURL=transaction-batcher.js.map
