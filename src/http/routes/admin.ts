import type { FastifyInstance } from 'fastify';
import type { PagesContext } from '../pages-context.js';

/** The admin dashboard under `/admin` (being built). */
export function adminRoutes(_app: FastifyInstance, _context: PagesContext): void {}
