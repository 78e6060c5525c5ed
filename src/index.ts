// Latchkey's library API: re-exports only.
export type { Config, RegistrationProfile } from './config/defaults.js';
export { ConfigError, loadConfig, type ConfigSources } from './config/load.js';
export { errorCodes, type ErrorCode } from './errors/codes.js';
export { OAuthError } from './errors/oauth-error.js';
export { buildApp, type AppOptions } from './http/app.js';
export { latchkeyPlugin, type LatchkeyPluginOptions } from './http/plugin.js';
export { startServer, type RunningServer } from './main.js';
export type { ClientMetadata } from './ports/client-metadata.js';
export { openStorage } from './storage/open-storage.js';
export type { ClientRecord, ClientStore } from './ports/clients.js';
export type { Storage } from './ports/storage.js';
export { StorageUnavailableError } from './ports/storage.js';
