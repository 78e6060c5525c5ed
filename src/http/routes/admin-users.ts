import { randomUUID } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { UserError, createUser, normalizeUsername, removeUser } from '../../users/users.js';
import { userListPage, type UserForm } from '../../ui/admin-pages-users.js';
import type { PagesContext } from '../pages-context.js';
import { readNotice, redirectWithNotice, type AdminRequest, type AdminRouter } from './admin-router.js';
import { sendPage } from './authorize.js';

/**
 * `GET /admin/users` (the local users and a create form), `POST /admin/users` (validated by `createUser`, its
 * refusals shown on the page) and `POST /admin/users/:username/remove` (with the user's consents and grants;
 * an administrator cannot remove their own account, so the dashboard never locks its last user out by a click).
 */
export function userRoutes(router: AdminRouter, context: PagesContext): void {
  const { storage, clock } = context;
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
      const user = await createUser(
        storage.users,
        { username: form.username, password: body['password'] ?? '', isAdmin: form.isAdmin, name: form.name, email: form.email },
        { now: clock.now(), newId: randomUUID },
      );
      context.audit.record({ type: 'user.created', userId: user.id, actor: admin.actor, ip: request.ip, data: { username: user.username, is_admin: user.isAdmin } });
      return redirectWithNotice(context, reply, '/users', 'user-created', user.username);
    } catch (error) {
      if (error instanceof UserError) return list(reply, admin, error.code === 'username_taken' ? 409 : 400, { error: error.message, form });
      throw error;
    }
  });

  router.post('/users/:username/remove', async (request, reply, admin) => {
    const username = normalizeUsername((request.params as { username: string }).username);
    if (username === admin.user.username) {
      return list(reply, admin, 400, { error: 'You cannot remove your own account. Another administrator can.' });
    }
    const removed = await storage.users.findUserByUsername(username);
    try {
      await removeUser(storage.users, username);
    } catch (error) {
      if (error instanceof UserError) return list(reply, admin, 404, { error: error.message });
      throw error;
    }
    context.audit.record({ type: 'user.removed', userId: removed?.id ?? null, actor: admin.actor, ip: request.ip, data: { username } });
    return redirectWithNotice(context, reply, '/users', 'user-removed', username);
  });
}
