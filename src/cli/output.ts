/** Output helpers shared by the `latchkey` commands: aligned tables for people, ISO times for scripts. */

/** Rows under a header, columns padded to their widest cell and separated by two spaces. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  return [header, ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

/** A time for JSON output: ISO 8601 in UTC. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** A time for people: UTC, to the second; `never` for none. */
export function readableTime(ms: number | null): string {
  return ms === null ? 'never' : `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/**
 * Characters a client could put in its name to attack the terminal of whoever lists it: controls (escape
 * sequences rewrite the screen or the window title, C1 `CSI` included), and bidirectional overrides and marks
 * (which make a name read differently from what it is).
 */
const unsafe = /[\p{Cc}\u200e\u200f\u061c\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

/** Text that came from a client (its name, its URIs), with every {@link unsafe} character shown as `\u{…}`. */
export function printable(text: string): string {
  return text.replace(unsafe, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}

/** At most `max` characters, the cut marked with `…`. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The {@link unsafe} characters JSON.stringify leaves raw in strings: all but C0 controls, which it escapes. */
const unsafeInJson = /[\u007f-\u009f\u200e\u200f\u061c\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON for stdout, indented, with the characters JSON.stringify leaves raw (DEL, C1 controls, bidi marks)
 * written as `\uXXXX` escapes: still the same JSON for a script, harmless on a terminal.
 */
export function jsonOutput(value: unknown): string {
  return `${JSON.stringify(value, null, 2).replace(unsafeInJson, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}
