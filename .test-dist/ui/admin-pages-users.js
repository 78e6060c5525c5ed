import { canUnlinkIdentity, hasLocalPassword, providerName } from "../users/sign-in-methods.js";
import { adminPage, adminTime } from "./admin-layout.js";
import { html } from "./html.js";
function userListPage(input) {
  const { base, csrf } = input.frame;
  const { form } = input;
  return adminPage({
    nonce: input.nonce,
    frame: input.frame,
    title: "Users",
    section: "users",
    notice: input.notice,
    error: input.error,
    body: html`<h2>Create a user</h2>
<form method="post" action="${base}/admin/users" class="create">
<input type="hidden" name="csrf" value="${csrf}">
<label>Username <input type="text" name="username" required maxlength="64" autocomplete="off" value="${form.username}"></label>
<label>Password <input type="password" name="password" required minlength="8" autocomplete="new-password"></label>
<label><span>Name <span class="muted">(optional)</span></span> <input type="text" name="name" maxlength="200" autocomplete="off" value="${form.name}"></label>
<label><span>Email <span class="muted">(optional)</span></span> <input type="email" name="email" maxlength="254" autocomplete="off" value="${form.email}"></label>
<label class="check"><input type="checkbox" name="admin" value="1"${form.isAdmin ? html` checked` : ""}> Administrator (may use this dashboard)</label>
<div class="actions"><button class="primary" type="submit">Create user</button></div>
</form>
<h2>Users (${input.users.length})</h2>
${userTable(input.frame, input.users, input.identities, input.methods)}`
  });
}
function userTable(frame, users, identities, methods) {
  return html`<div class="table-wrap"><table>
<thead><tr><th scope="col">Username</th><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Admin</th><th scope="col">Password</th><th scope="col">Linked identities</th><th scope="col">Created</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
<tbody>
${users.map((user) => {
    const own = user.username === frame.username;
    return html`<tr data-testid="user-row">
<th scope="row">${user.username}</th>
<td>${user.name ?? ""}</td>
<td>${user.email ?? ""}</td>
<td>${user.isAdmin ? "yes" : "no"}</td>
<td data-testid="has-password">${hasLocalPassword(user) ? "yes" : "no"}</td>
<td>${identityList(frame, user, identities.get(user.id) ?? [], methods, own)}</td>
<td>${adminTime(user.createdAt)}</td>
<td>${own ? html`<span class="muted">you</span>` : html`<form class="inline" method="post" action="${frame.base}/admin/users/${encodeURIComponent(user.username)}/remove"><input type="hidden" name="csrf" value="${frame.csrf}"><button type="submit" aria-label="Remove user ${user.username}">Remove</button></form>`}</td>
</tr>`;
  })}
</tbody></table></div>
<p class="muted">Removing a user deletes their consents and grants: the agents they authorized can no longer refresh tokens.
Unlinking a user's only way to sign in leaves them unable to sign in until one is linked again or they are given a password (<code>latchkey users set-password</code>).</p>`;
}
function identityList(frame, user, identities, methods, own) {
  if (identities.length === 0) return html`<span class="muted">none</span>`;
  const unlinkable = !own || canUnlinkIdentity({ hasPassword: hasLocalPassword(user), localPasswords: methods.localPasswords, identityCount: identities.length });
  return html`<ul class="identities">${identities.map((identity) => {
    const name = providerName(methods, identity.provider);
    const who = [identity.displayName, identity.email].filter((part) => Boolean(part));
    return html`<li data-testid="identity" data-identity-id="${identity.id}"><strong>${name}</strong>${who.length > 0 ? html` ${who.join(" \xB7 ")}` : ""}${unlinkable ? html` <form class="inline" method="post" action="${frame.base}/admin/users/${encodeURIComponent(user.username)}/identities/${encodeURIComponent(identity.id)}/unlink"><input type="hidden" name="csrf" value="${frame.csrf}"><button type="submit" aria-label="Unlink the ${name} account of ${user.username}">Unlink</button></form>` : ""}</li>`;
  })}</ul>`;
}
export {
  userListPage
};
//# sourceMappingURL=admin-pages-users.js.map
