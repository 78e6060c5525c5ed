import { html, page } from "./html.js";
const sections = [
  { id: "overview", label: "Overview", path: "/admin" },
  { id: "clients", label: "Clients", path: "/admin/clients" },
  { id: "resources", label: "Resources", path: "/admin/resources" },
  { id: "iat", label: "Initial access tokens", path: "/admin/iat" },
  { id: "users", label: "Users", path: "/admin/users" },
  { id: "keys", label: "Signing keys", path: "/admin/keys" }
];
function adminPage(input) {
  const { base, csrf, username } = input.frame;
  const header = html`<header class="admin-bar">
<nav aria-label="Admin">
<a class="brand" href="${base}/admin">Latchkey admin</a>
<ul>${sections.map(
    (section) => html`<li><a href="${base}${section.path}"${section.id === input.section ? html` aria-current="page"` : ""}>${section.label}</a></li>`
  )}</ul>
<form class="sign-out" method="post" action="${base}/signout"><input type="hidden" name="csrf" value="${csrf}"><span class="muted">${username}</span> <button type="submit">Sign out</button></form>
</nav>
</header>
`;
  return page({
    title: `${input.title} \xB7 Latchkey admin`,
    nonce: input.nonce,
    wide: true,
    header,
    styles: adminStyles,
    body: html`<h1>${input.title}</h1>
${input.notice ? html`<p class="notice" role="status">${input.notice}</p>` : ""}
${input.error ? html`<p class="error" role="alert">${input.error}</p>` : ""}
${input.body}`
  });
}
function adminMessagePage(input) {
  const body = html`<p class="error" role="alert">${input.message}</p>`;
  if (input.frame) return adminPage({ nonce: input.nonce, frame: input.frame, title: input.title, body });
  return page({ title: input.title, nonce: input.nonce, body: html`<h1>${input.title}</h1>${body}` });
}
function forbiddenPage(input) {
  return page({
    title: "Administrators only",
    nonce: input.nonce,
    body: html`<h1>Administrators only</h1>
<p class="error" role="alert">The dashboard is for Latchkey administrators. You are signed in as ${input.username}, who is not one.</p>
<p><a href="${input.base}/account">Your connected apps</a></p>
<form method="post" action="${input.base}/signout"><input type="hidden" name="csrf" value="${input.csrf}"><button type="submit">Sign out and sign in as an administrator</button></form>`
  });
}
const sourceLabels = {
  dynamic: "Dynamic (open)",
  iat: "Initial access token",
  software_statement: "Software statement",
  cimd: "Metadata document (CIMD)",
  operator: "Created by an operator"
};
function adminTime(ms) {
  if (ms === null || ms === void 0) return html`<span class="muted">—</span>`;
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 16).replace("T", " ")}</time>`;
}
const adminStyles = `
.admin-bar { border-bottom: 1px solid #8888; margin-bottom: 1.5rem; }
.admin-bar nav { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.25rem; padding: .75rem 0; }
.admin-bar ul { display: flex; flex-wrap: wrap; gap: .25rem 1rem; list-style: none; margin: 0; padding: 0; }
.admin-bar a { text-decoration: none; }
.admin-bar a[aria-current=page] { font-weight: 700; text-decoration: underline; text-underline-offset: .3rem; }
.admin-bar .brand { font-weight: 700; }
.admin-bar form.sign-out { display: flex; align-items: center; gap: .5rem; margin: 0 0 0 auto; }
.admin-bar form.sign-out button { padding: .3rem .75rem; }
a { color: #1f4fd1; }
h2 { font-size: 1.15rem; margin: 2rem 0 .5rem; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid #8886; vertical-align: top; }
th { font-weight: 600; }
td.id, td code, dd code { font-family: ui-monospace, monospace; font-size: .85rem; }
td.id, dd code { word-break: break-all; }
td time, td code { white-space: nowrap; }
dd ul { margin: 0; padding-left: 1.1rem; }
.table-wrap { overflow-x: auto; }
form.inline { display: inline; margin: 0; }
form.filters { grid-template-columns: repeat(auto-fit, minmax(12rem, 1fr)); align-items: end; }
form.filters input, form.filters select, form.create input:not([type=checkbox]), form.create select { box-sizing: border-box; width: 100%; min-width: 0; }
form.create { max-width: 32rem; }
form.create textarea { box-sizing: border-box; width: 100%; font: inherit; padding: .5rem; border: 1px solid #888; border-radius: .375rem; }
details.new-client { margin: 0 0 1.5rem; }
details.new-client summary { cursor: pointer; font-weight: 600; }
select, input[type=number], input[type=email], input[type=search] { font: inherit; padding: .5rem; border: 1px solid #888; border-radius: .375rem; }
label.check { display: flex; gap: .5rem; align-items: center; font-weight: 400; }
.notice { border: 1px solid #1d7a35; color: #14532d; background: #e8f6ec; padding: .5rem .75rem; border-radius: .375rem; }
.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: .75rem; margin: 0 0 1rem; }
.stats div { border: 1px solid #8886; border-radius: .5rem; padding: .5rem .75rem; }
.stats dt { font-weight: 400; font-size: .85rem; }
.stats dd { font-size: 1.5rem; font-weight: 700; margin: 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); gap: 1.5rem; }
.chart-figure { margin: 0; }
.chart-figure figcaption { font-weight: 600; }
.chart-total { font-size: 1.3rem; font-weight: 700; }
.chart .bar { fill: #1f4fd1; }
.chart .axis { stroke: currentColor; }
.chart .grid { stroke: #8885; }
.chart .tick { fill: currentColor; font-size: 12px; }
.danger { border: 2px solid #b3261e; border-radius: .5rem; padding: .75rem 1rem; margin-top: 2rem; }
.danger h2 { margin-top: .25rem; }
button.destructive { background: #b3261e; color: #fff; border-color: #b3261e; }
.secret { font-family: ui-monospace, monospace; font-size: 1rem; padding: .75rem; border: 2px dashed #888; border-radius: .375rem; word-break: break-all; user-select: all; }
.pager { display: flex; gap: 1rem; margin: 1rem 0; }
pre { white-space: pre-wrap; word-break: break-all; margin: 0; font-size: .8rem; }
@media (prefers-color-scheme: dark) {
  a { color: #9db7ff; }
  .chart .bar { fill: #7aa2ff; }
  .notice { color: #b6f0c6; background: #12351f; border-color: #4caf6e; }
  .warning { background: #3a2500; color: #ffd8a8; }
  .danger { border-color: #ff8a80; }
  button.destructive { background: #ff8a80; color: #1a0000; border-color: #ff8a80; }
  button.primary { background: #9db7ff; color: #0b1a3a; border-color: #9db7ff; }
}
`;
export {
  adminMessagePage,
  adminPage,
  adminTime,
  forbiddenPage,
  sourceLabels
};
//# sourceMappingURL=admin-layout.js.map
