function formatTable(header, rows) {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? "").length)));
  return [header, ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd()).join("\n") + "\n";
}
function isoTime(ms) {
  return new Date(ms).toISOString();
}
function readableTime(ms) {
  return ms === null ? "never" : `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}
const unsafe = /[\p{Cc}\u200e\u200f\u061c\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;
function printable(text) {
  return text.replace(unsafe, (c) => `\\u{${c.codePointAt(0).toString(16)}}`);
}
function truncate(text, max) {
  return text.length <= max ? text : `${text.slice(0, max - 1)}\u2026`;
}
const unsafeInJson = /[\u007f-\u009f\u200e\u200f\u061c\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
function jsonOutput(value) {
  return `${JSON.stringify(value, null, 2).replace(unsafeInJson, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}
`;
}
export {
  formatTable,
  isoTime,
  jsonOutput,
  printable,
  readableTime,
  truncate
};
//# sourceMappingURL=output.js.map
