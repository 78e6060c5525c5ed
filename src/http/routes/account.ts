import type { FastifyInstance } from 'fastify';
import type { PagesContext } from '../pages-context.js';

/** The connected-apps page at `/account` (being built). */
export function accountRoutes(_app: FastifyInstance, _context: PagesContext): void {}
