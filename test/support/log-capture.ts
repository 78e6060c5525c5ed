import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

/** A pino log line, parsed. */
export interface LogLine {
  level: number;
  msg?: string;
  err?: { message?: string; stack?: string };
  [key: string]: unknown;
}

/** A real pino logger whose lines are kept, to assert what was (or was not) logged. */
export function capturingLogger(level = 'info'): { logger: Logger; lines: LogLine[]; atLeast(level: 'warn' | 'error'): LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as LogLine);
      callback();
    },
  });
  const levels = { warn: 40, error: 50 };
  return { logger: pino({ level }, stream), lines, atLeast: (minimum) => lines.filter((line) => line.level >= levels[minimum]) };
}
