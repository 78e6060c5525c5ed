import { Transform } from "node:stream";
import { isJsonRpcResponse } from "./json-rpc.js";
const maxWatchedEventBytes = 1024 * 1024;
const maxWatchedJsonBytes = 4 * 1024 * 1024;
function observeResponses(contentType, watchers) {
  const pending = new Set(watchers.keys());
  const settle = (message) => {
    if (!isJsonRpcResponse(message) || message.id === null || !pending.has(message.id)) return void 0;
    pending.delete(message.id);
    return watchers.get(message.id)(message) ?? void 0;
  };
  const watching = () => pending.size > 0;
  return /text\/event-stream/i.test(contentType ?? "") ? sseObserver(settle, watching) : jsonObserver(settle);
}
const eventEnds = ["\n\n", "\r\n\r\n", "\r\r", "\n\r\n", "\r\n\n"].map((end) => Buffer.from(end));
function eventEnd(buffer, from) {
  let best = -1;
  for (const end of eventEnds) {
    const at = buffer.indexOf(end, from);
    if (at >= 0 && (best < 0 || at + end.length < best)) best = at + end.length;
  }
  return best;
}
function sseObserver(settle, watching) {
  let buffered = Buffer.alloc(0);
  let scanned = 0;
  let passing = false;
  return new Transform({
    transform(chunk, _encoding, callback) {
      if (passing) return callback(null, chunk);
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      for (; ; ) {
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
    flush(callback) {
      if (buffered.length > 0) this.push(buffered);
      callback();
    }
  });
}
function rewriteEvent(event, settle) {
  const lines = event.toString("utf8").split(/\r\n|\n|\r/);
  const data = lines.filter((line) => line.startsWith("data:")).map((line) => line.slice(line.startsWith("data: ") ? 6 : 5));
  if (data.length === 0) return event;
  let message;
  try {
    message = JSON.parse(data.join("\n"));
  } catch {
    return event;
  }
  const replaced = settle(message);
  if (replaced === void 0) return event;
  const kept = lines.filter((line) => line !== "" && !line.startsWith("data:"));
  return Buffer.from(`${[...kept, `data: ${JSON.stringify(replaced)}`].join("\n")}

`);
}
function jsonObserver(settle) {
  let chunks = [];
  let length = 0;
  let passing = false;
  return new Transform({
    transform(chunk, _encoding, callback) {
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
    flush(callback) {
      if (passing) return callback();
      const body = Buffer.concat(chunks);
      let parsed;
      try {
        parsed = JSON.parse(body.toString("utf8"));
      } catch {
        return callback(null, body);
      }
      let changed = false;
      const each = (message) => {
        const replaced = settle(message);
        if (replaced !== void 0) changed = true;
        return replaced ?? message;
      };
      const result = Array.isArray(parsed) ? parsed.map(each) : each(parsed);
      callback(null, changed ? Buffer.from(JSON.stringify(result)) : body);
    }
  });
}
function byteLimit(maxBytes, onExceeded) {
  let seen = 0;
  return new Transform({
    transform(chunk, _encoding, callback) {
      seen += chunk.length;
      if (seen > maxBytes) {
        onExceeded();
        return callback(new Error(`The upstream's answer exceeded ${maxBytes} bytes`));
      }
      callback(null, chunk);
    }
  });
}
export {
  byteLimit,
  maxWatchedEventBytes,
  maxWatchedJsonBytes,
  observeResponses
};
//# sourceMappingURL=response-observer.js.map
