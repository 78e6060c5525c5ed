import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { InvalidArgumentError } from "commander";
import { createCommandAuditTrail, openMigratedStorage } from "../compose.js";
import { explainFailure, sqliteFile } from "./explain-failure.js";
class CliFailure extends Error {
  constructor(message, exitCode) {
    super(message);
    this.exitCode = exitCode;
  }
  exitCode;
}
async function withStorage(config, work, ifMissing = "refuse") {
  const missing = missingSqliteFile(config);
  if (missing !== void 0 && ifMissing === "refuse") {
    throw new CliFailure(`no database at ${missing}: start the server once (latchkey serve) or run latchkey migrate, or point --database (DATABASE_URL) at the server's file`, 1);
  }
  let storage;
  try {
    storage = await openMigratedStorage(config, void 0, { seal: false });
  } catch (error) {
    throw explained(error, config);
  }
  try {
    if (missing !== void 0) process.stderr.write(`latchkey: there was no database at ${missing}: created a new one (the server must use this file too)
`);
    return await work(storage);
  } finally {
    await storage.close();
  }
}
function missingSqliteFile(config) {
  const file = sqliteFile(config.database.url);
  return file === void 0 || existsSync(resolve(file)) ? void 0 : resolve(file);
}
function explained(error, config) {
  const message = explainFailure(error, config);
  return message === void 0 ? error : new CliFailure(message, 1);
}
async function reportRefusals(work, refusal) {
  try {
    await work();
  } catch (error) {
    const failure = error instanceof CliFailure ? error : refusal?.(error);
    if (!failure) throw error;
    process.stderr.write(`latchkey: ${failure.message}
`);
    process.exitCode = failure.exitCode;
  }
}
async function withAuditTrail(storage, work) {
  const audit = createCommandAuditTrail(storage);
  try {
    return await work(audit);
  } finally {
    await audit.close();
  }
}
function positiveInteger(value) {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError("expected a positive integer");
  return Number(value);
}
export {
  CliFailure,
  explained,
  positiveInteger,
  reportRefusals,
  withAuditTrail,
  withStorage
};
//# sourceMappingURL=command-support.js.map
