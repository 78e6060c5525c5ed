import { createLatchkey } from "./library.js";
import { ConfigError, loadConfig } from "./config/load.js";
import { errorCodes } from "./errors/codes.js";
import { OAuthError } from "./errors/oauth-error.js";
import { startServer } from "./main.js";
import { StorageUnavailableError } from "./ports/storage.js";
export {
  ConfigError,
  OAuthError,
  StorageUnavailableError,
  createLatchkey,
  errorCodes,
  loadConfig,
  startServer
};
//# sourceMappingURL=index.js.map
