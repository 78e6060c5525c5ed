import type { FastifyReply } from 'fastify';
import { OperationError } from '../../operations/operation-error.js';
import { addUser, removeUser } from '../../operations/users.js';
import { userListPage, type UserForm } from '../../ui/admin-pages-users.js';
import type { PagesContext } from '../pages-context.js';
import { readNotice, redirectWithNotice, refusalStatus, type AdminRequest, type AdminRouter } from '../admin-router.js';
import { sendPage } from '../send-page.js';

/**
 * `GET /admin/users` (the local users and a create form), `POST /admin/users` ({@link addUser}, its refusals
 * shown on the page) and `POST /admin/users/:username/remove` ({@link removeUser}: with the user's consents and
 * grants, never the administrator's own account).
 */
export function userRoutes(router: AdminRouter, context: PagesContext): void {
  const { storage, clock, random, audit } = context;
  const ports = { users: storage.users, clock, random, audit };
  const empty: UserForm = { username: '', name: '', email: '', isAdmin: false };

  const list = async (reply: FastifyReply, admin: AdminRequest, status: number, extra: { notice?: string | undefined; error?: string; form?: UserForm }) => {
    const users = await storage.users.listUsers();
    return sendPage(reply, status, (nonce) =>
      userListPage({ nonce, frame: admin.frame, users, form: extra.form ?? empty, notice: extra.notice, error: extra.error }),
    );
  };

  router.get('/users', (request, reply, admin) => list(reply, admin, 200, { notice: readNotice(context, request) }));

  router.post('/users', async (request, reply, admin) => {
    const body = request.body as Record<string, string | undefined>;
    const form: UserForm = { username: (body['username'] ?? '').trim(), name: body['name'] ?? '', email: body['email'] ?? '', isAdmin: body['admin'] === '1' };
    try {
      const user = await addUser({ username: form.username, password: body['password'] ?? '', isAdmin: form.isAdmin, name: form.name, email: form.email }, ports, admin.actor);
      return redirectWithNotice(context, reply, '/users', 'user-created', user.username);
    } catch (error) {
      if (error instanceof OperationError) return list(reply, admin, refusalStatus[error.code], { error: error.message, form });
      throw error;
    }
  });

  router.post('/users/:username/remove', async (request, reply, admin) => {
    try {
      const user = await removeUser((request.params as { username: string }).username, ports, admin.actor);
      return redirectWithNotice(context, reply, '/users', 'user-removed', user.username);
    } catch (error) {
      if (error instanceof OperationError) return list(reply, admin, refusalStatus[error.code], { error: error.message });
      throw error;
    }
  });
}
