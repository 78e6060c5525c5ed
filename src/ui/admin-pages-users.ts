import type { UserRecord } from '../ports/users.js';
import { adminPage, adminTime, type AdminFrame } from './admin-layout.js';
import { html, type SafeHtml } from './html.js';

/** The create form's fields as typed (never the password: it is not sent back). */
export interface UserForm {
  username: string;
  name: string;
  email: string;
  isAdmin: boolean;
}

/** The local users and the form that creates one. */
export function userListPage(input: {
  nonce: string;
  frame: AdminFrame;
  users: UserRecord[];
  form: UserForm;
  notice?: string | undefined;
  error?: string | undefined;
}): string {
  const { base, csrf } = input.frame;
  const { form } = input;
  return adminPage({
    nonce: input.nonce,
    frame: input.frame,
    title: 'Users',
    section: 'users',
    notice: input.notice,
    error: input.error,
    body: html`<h2>Create a user</h2>
<form method="post" action="${base}/admin/users" class="create">
<input type="hidden" name="csrf" value="${csrf}">
<label>Username <input type="text" name="username" required maxlength="64" autocomplete="off" value="${form.username}"></label>
<label>Password <input type="password" name="password" required minlength="8" autocomplete="new-password"></label>
<label><span>Name <span class="muted">(optional)</span></span> <input type="text" name="name" maxlength="200" autocomplete="off" value="${form.name}"></label>
<label><span>Email <span class="muted">(optional)</span></span> <input type="email" name="email" maxlength="254" autocomplete="off" value="${form.email}"></label>
<label class="check"><input type="checkbox" name="admin" value="1"${form.isAdmin ? html` checked` : ''}> Administrator (may use this dashboard)</label>
<div class="actions"><button class="primary" type="submit">Create user</button></div>
</form>
<h2>Users (${input.users.length})</h2>
${userTable(input.frame, input.users)}`,
  });
}

function userTable(frame: AdminFrame, users: UserRecord[]): SafeHtml {
  return html`<div class="table-wrap"><table>
<thead><tr><th scope="col">Username</th><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Admin</th><th scope="col">Created</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
<tbody>
${users.map(
  (user) => html`<tr data-testid="user-row">
<th scope="row">${user.username}</th>
<td>${user.name ?? ''}</td>
<td>${user.email ?? ''}</td>
<td>${user.isAdmin ? 'yes' : 'no'}</td>
<td>${adminTime(user.createdAt)}</td>
<td>${user.username === frame.username
    ? html`<span class="muted">you</span>`
    : html`<form class="inline" method="post" action="${frame.base}/admin/users/${encodeURIComponent(user.username)}/remove"><input type="hidden" name="csrf" value="${frame.csrf}"><button type="submit" aria-label="Remove user ${user.username}">Remove</button></form>`}</td>
</tr>`,
)}
</tbody></table></div>
<p class="muted">Removing a user deletes their consents and grants: the agents they authorized can no longer refresh tokens.</p>`;
}
