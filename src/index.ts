// Latchkey's library API: re-exports only.
export { createLatchkey, type Latchkey, type LatchkeyOptions, type LatchkeySettings } from './library.js';
export type { FetchRequestInfo } from './http/fetch-handler.js';
export type { HostAuthentication, HostRequest } from './http/host-sign-in.js';
export type { HostUser } from './users/host-accounts.js';
export type { NodeMiddleware, NodeRequest } from './http/node-handler.js';
export type { Config, RegistrationProfile } from './config/defaults.js';
export { ConfigError, loadConfig, type ConfigSources } from './config/load.js';
export { errorCodes, type ErrorCode } from './errors/codes.js';
export { OAuthError } from './errors/oauth-error.js';
export { startServer, type RunningServer } from './main.js';
export type { ClientMetadata } from './ports/client-metadata.js';
export type { ClientRecord, ClientStore } from './ports/clients.js';
export type { Storage } from './ports/storage.js';
export { StorageUnavailableError } from './ports/storage.js';
