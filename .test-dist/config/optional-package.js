import { createRequire } from "node:module";
import { ConfigError } from "./load.js";
const optionalPackages = {
  pg: "database.url postgres://\u2026",
  ioredis: "redis.url redis://\u2026"
};
function missingPackageError(name) {
  return new ConfigError(`${optionalPackages[name]} needs the ${name} package, which is not installed: run npm install ${name}`);
}
function isMissingPackage(error, name) {
  if (typeof error !== "object" || error === null) return false;
  const { code, message } = error;
  if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") return false;
  return typeof message === "string" && new RegExp(`^Cannot find (package|module) '${name}'`).test(message);
}
async function importOptional(name, load) {
  try {
    return await load();
  } catch (error) {
    if (isMissingPackage(error, name)) throw missingPackageError(name);
    throw error;
  }
}
function requireOptional(name) {
  try {
    return createRequire(import.meta.url)(name);
  } catch (error) {
    if (isMissingPackage(error, name)) throw missingPackageError(name);
    throw error;
  }
}
export {
  importOptional,
  isMissingPackage,
  missingPackageError,
  optionalPackages,
  requireOptional
};
//# sourceMappingURL=optional-package.js.map
