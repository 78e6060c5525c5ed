import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/defaults.js';

/** `GET /openapi.json` (being built). */
export function openapiRoute(_app: FastifyInstance, _config: Config, _base: string): void {}
