import { Transform, type TransformCallback } from 'node:stream';
import type { JsonRpcResponse, ResponseWatcher } from './gateway-request.js';
import { isJsonRpcResponse } from './json-rpc.js';

/** The largest SSE event, and the largest JSON answer, read whole to find a watched response; past it bytes just pass. */
export const maxWatchedEventBytes = 1024 * 1024;
export const maxWatchedJsonBytes = 4 * 1024 * 1024;

/**
 * Watches an HTTP upstream's answer to a POST for the JSON-RPC responses the gateway cares about (tool calls, for
 * their outcome; `tools/list`, to leave out tools the token cannot call), as it streams:
 *
 * - `text/event-stream`: each event is passed on as soon as its blank line arrives, byte for byte unless a
 *   watcher replaced the response it carries (then its `data` is written anew, its `id` and `event` kept);
 * - `application/json`: the body (one response or a batch) is read whole, as the agent would, and re-encoded
 *   only when a watcher replaced a response.
 *
 * Bytes are kept as bytes (a character split across chunks stays whole), each event is searched once, and what is
 * held is bounded: an event over {@link maxWatchedEventBytes} or a JSON answer over {@link maxWatchedJsonBytes}
 * stops the watching and passes on unread (its tool calls are then recorded as unanswered). Once every watched
 * response has come, the rest passes unread too.
 */
export function observeResponses(contentType: string | undefined, watchers: ReadonlyMap<string | number, ResponseWatcher>): Transform {
  const pending = new Set(watchers.keys());
  const settle = (message: unknown): JsonRpcResponse | undefined => {
    if (!isJsonRpcResponse(message) || message.id === null || !pending.has(message.id)) return undefined;
    pending.delete(message.id);
    return watchers.get(message.id)!(message) ?? undefined;
  };
  const watching = () => pending.size > 0;
  return /text\/event-stream/i.test(contentType ?? '') ? sseObserver(settle, watching) : jsonObserver(settle);
}

/** The blank line that ends an SSE event, after a line ended by LF, CRLF or CR. */
const eventEnds = ['\n\n', '\r\n\r\n', '\r\r', '\n\r\n', '\r\n\n'].map((end) => Buffer.from(end));

/** Where the first event of `buffer` ends (after its blank line), searching from `from`; -1 when it has not yet. */
function eventEnd(buffer: Buffer, from: number): number {
  let best = -1;
  for (const end of eventEnds) {
    const at = buffer.indexOf(end, from);
    if (at >= 0 && (best < 0 || at + end.length < best)) best = at + end.length;
  }
  return best;
}

function sseObserver(settle: (message: unknown) => JsonRpcResponse | undefined, watching: () => boolean): Transform {
  let buffered: Buffer = Buffer.alloc(0);
  let scanned = 0;
  let passing = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      if (passing) return callback(null, chunk);
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      for (;;) {
        // Only the new bytes are searched (and the 3 before them, where a blank line may have begun).
        const end = eventEnd(buffered, Math.max(0, scanned - 3));
        if (end < 0) break;
        this.push(rewriteEvent(buffered.subarray(0, end), settle));
        buffered = buffered.subarray(end);
        scanned = 0;
        if (!watching()) {
          passing = true;
          break;
        }
      }
      scanned = buffered.length;
      if (passing || buffered.length > maxWatchedEventBytes) {
        passing = true;
        if (buffered.length > 0) this.push(buffered);
        buffered = Buffer.alloc(0);
      }
      callback();
    },
    flush(callback: TransformCallback) {
      if (buffered.length > 0) this.push(buffered);
      callback();
    },
  });
}

/** The event unchanged, or with the data of the response a watcher replaced. */
function rewriteEvent(event: Buffer, settle: (message: unknown) => JsonRpcResponse | undefined): Buffer {
  const lines = event.toString('utf8').split(/\r\n|\n|\r/);
  const data = lines.filter((line) => line.startsWith('data:')).map((line) => line.slice(line.startsWith('data: ') ? 6 : 5));
  if (data.length === 0) return event;
  let message: unknown;
  try {
    message = JSON.parse(data.join('\n'));
  } catch {
    return event;
  }
  const replaced = settle(message);
  if (replaced === undefined) return event;
  const kept = lines.filter((line) => line !== '' && !line.startsWith('data:'));
  return Buffer.from(`${[...kept, `data: ${JSON.stringify(replaced)}`].join('\n')}\n\n`);
}

function jsonObserver(settle: (message: unknown) => JsonRpcResponse | undefined): Transform {
  let chunks: Buffer[] = [];
  let length = 0;
  let passing = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      if (passing) return callback(null, chunk);
      chunks.push(chunk);
      length += chunk.length;
      if (length > maxWatchedJsonBytes) {
        passing = true;
        for (const held of chunks) this.push(held);
        chunks = [];
      }
      callback();
    },
    flush(callback: TransformCallback) {
      if (passing) return callback();
      const body = Buffer.concat(chunks);
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        return callback(null, body);
      }
      let changed = false;
      const each = (message: unknown) => {
        const replaced = settle(message);
        if (replaced !== undefined) changed = true;
        return replaced ?? message;
      };
      const result = Array.isArray(parsed) ? parsed.map(each) : each(parsed);
      callback(null, changed ? Buffer.from(JSON.stringify(result)) : body);
    },
  });
}

/**
 * Passes at most `maxBytes` through, then fails the stream (which ends the agent's response): an upstream cannot
 * make the gateway relay an answer of unbounded size.
 */
export function byteLimit(maxBytes: number, onExceeded: () => void): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      seen += chunk.length;
      if (seen > maxBytes) {
        onExceeded();
        return callback(new Error(`The upstream's answer exceeded ${maxBytes} bytes`));
      }
      callback(null, chunk);
    },
  });
}
