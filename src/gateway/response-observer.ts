import { Transform, type TransformCallback } from 'node:stream';
import type { JsonRpcResponse, ResponseWatcher } from './gateway-request.js';
import { isJsonRpcResponse } from './json-rpc.js';

/**
 * Watches an HTTP upstream's answer to a POST for the JSON-RPC responses the gateway cares about (tool calls, for
 * their outcome; `tools/list`, to leave out tools the token cannot call), as it streams:
 *
 * - `text/event-stream`: each event is passed on as soon as its blank line arrives, byte for byte unless a
 *   watcher replaced the response it carries (then its `data` is written anew, its `id` and `event` kept);
 * - `application/json`: the body (one response or a batch) is read whole, as the agent would, and re-encoded
 *   only when a watcher replaced a response.
 */
export function observeResponses(contentType: string | undefined, watchers: ReadonlyMap<string | number, ResponseWatcher>): Transform {
  const pending = new Set(watchers.keys());
  const settle = (message: unknown): JsonRpcResponse | undefined => {
    if (!isJsonRpcResponse(message) || message.id === null || !pending.has(message.id)) return undefined;
    pending.delete(message.id);
    return watchers.get(message.id)!(message) ?? undefined;
  };
  return /text\/event-stream/i.test(contentType ?? '') ? sseObserver(settle) : jsonObserver(settle);
}

/** Blank-line-terminated SSE events (any of the three line endings the format allows). */
const eventEnd = /\r\n\r\n|\n\n|\r\r/;

function sseObserver(settle: (message: unknown) => JsonRpcResponse | undefined): Transform {
  let buffered = '';
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      buffered += chunk.toString('utf8');
      let match: RegExpExecArray | null;
      while ((match = eventEnd.exec(buffered)) !== null) {
        const end = match.index + match[0].length;
        const event = buffered.slice(0, end);
        buffered = buffered.slice(end);
        this.push(rewriteEvent(event, settle));
      }
      callback();
    },
    flush(callback: TransformCallback) {
      if (buffered) this.push(buffered);
      callback();
    },
  });
}

/** The event unchanged, or with the data of the response a watcher replaced. */
function rewriteEvent(event: string, settle: (message: unknown) => JsonRpcResponse | undefined): string {
  const lines = event.split(/\r\n|\n|\r/);
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
  return `${[...kept, `data: ${JSON.stringify(replaced)}`].join('\n')}\n\n`;
}

function jsonObserver(settle: (message: unknown) => JsonRpcResponse | undefined): Transform {
  const chunks: Buffer[] = [];
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      chunks.push(chunk);
      callback();
    },
    flush(callback: TransformCallback) {
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
