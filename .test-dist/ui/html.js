function escapeHtml(value) {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
class SafeHtml {
  constructor(value) {
    this.value = value;
  }
  value;
  toString() {
    return this.value;
  }
}
function html(strings, ...values) {
  let out = strings[0];
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1];
  });
  return new SafeHtml(out);
}
function render(value) {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join("");
  if (value === null || value === void 0 || value === false) return "";
  return escapeHtml(String(value));
}
function page(input) {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${input.title}</title>
<style nonce="${input.nonce}">${new SafeHtml(styles)}${new SafeHtml(input.styles ?? "")}</style>
</head>
<body${input.wide ? html` class="wide"` : ""}>
${input.header ?? ""}<main>
${input.body}
</main>
</body>
</html>
`.value;
}
const styles = `
:root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }
body { margin: 0; display: flex; justify-content: center; padding: 2rem 1rem; }
main { max-width: 28rem; width: 100%; }
body.wide { flex-direction: column; align-items: center; padding-top: 0; }
body.wide > header, body.wide main { max-width: 76rem; width: 100%; }
h1 { font-size: 1.4rem; margin: 0 0 1rem; }
form { display: grid; gap: .75rem; margin-top: 1rem; }
label { display: grid; gap: .25rem; font-weight: 600; }
input[type=text], input[type=password] { font: inherit; padding: .5rem; border: 1px solid #888; border-radius: .375rem; }
button { font: inherit; padding: .6rem 1rem; border-radius: .375rem; border: 1px solid #555; cursor: pointer; }
button.primary { background: #1f4fd1; color: #fff; border-color: #1f4fd1; }
.actions { display: flex; gap: .75rem; }
.error { border: 1px solid #c0392b; color: #c0392b; padding: .5rem .75rem; border-radius: .375rem; }
.warning { border: 2px solid #b35900; background: #fff4e5; color: #5c2e00; padding: .5rem .75rem; border-radius: .375rem; }
.badge { display: inline-block; font-size: .8rem; font-weight: 700; padding: .1rem .5rem; border-radius: 1rem; background: #f5c542; color: #222; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 1rem 0; }
dt { font-weight: 600; }
dd { margin: 0; word-break: break-all; }
ul.scopes { padding-left: 1.25rem; }
.muted { color: #595959; font-size: .9rem; }
@media (prefers-color-scheme: dark) { .muted { color: #b0b0b0; } .error { color: #ff8a7a; border-color: #ff8a7a; } }
`;
export {
  SafeHtml,
  escapeHtml,
  html,
  page
};
//# sourceMappingURL=html.js.map
