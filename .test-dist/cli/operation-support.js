import { OperationError } from "../operations/operation-error.js";
import { commandContext } from "../compose.js";
import { CliFailure, withAuditTrail, withStorage } from "./command-support.js";
const exitCodes = {
  invalid_input: 2,
  not_found: 1,
  conflict: 1,
  refused: 2
};
function withOperatorPorts(config, work, ifMissing = "refuse") {
  return withStorage(
    config,
    (storage) => withAuditTrail(
      storage,
      (audit) => work({
        config,
        storage,
        clients: storage.clients,
        users: storage.users,
        initialAccessTokens: storage.initialAccessTokens,
        audit,
        clock: commandContext.clock,
        random: commandContext.random
      })
    ),
    ifMissing
  );
}
function operationRefusal(error) {
  return error instanceof OperationError ? new CliFailure(error.message, exitCodes[error.code]) : void 0;
}
export {
  operationRefusal,
  withOperatorPorts
};
//# sourceMappingURL=operation-support.js.map
