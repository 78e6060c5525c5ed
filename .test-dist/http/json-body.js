import { OAuthError } from "../errors/oauth-error.js";
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
function decodeUtf8(body) {
  try {
    return utf8.decode(body);
  } catch {
    throw new OAuthError("invalid_request", "the request body is not valid UTF-8");
  }
}
const maxDepth = 16;
function parseJsonObject(text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    throw new OAuthError("invalid_request", "the request body is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new OAuthError("invalid_request", "the request body must be a JSON object");
  }
  checkStructure(text);
  return value;
}
function checkStructure(text) {
  const stack = [];
  let expectingKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      const start = i;
      let escaped = false;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) {
          escaped = true;
          i++;
        } else if (d === 34) break;
      }
      const names = stack[stack.length - 1];
      if (expectingKey && names) {
        const raw = text.slice(start + 1, i);
        const name = escaped ? JSON.parse(text.slice(start, i + 1)) : raw;
        if (names.has(name)) {
          throw new OAuthError("invalid_request", `the request body repeats the member ${printable(name)}`);
        }
        names.add(name);
        expectingKey = false;
      }
    } else if (c === 123 || c === 91) {
      if (stack.length >= maxDepth) throw new OAuthError("invalid_request", "the request body is nested too deeply");
      stack.push(c === 123 ? /* @__PURE__ */ new Set() : null);
      expectingKey = c === 123;
    } else if (c === 125 || c === 93) {
      stack.pop();
    } else if (c === 44) {
      expectingKey = stack[stack.length - 1] instanceof Set;
    }
  }
}
function printable(name) {
  const safe = name.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, "?");
  return safe.length > 64 ? `${safe.slice(0, 64)}...` : safe;
}
function requireObjectBody(request) {
  const body = request.body;
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new OAuthError("invalid_request", "the request body must be a JSON object sent as application/json");
  }
  return body;
}
export {
  decodeUtf8,
  parseJsonObject,
  requireObjectBody
};
//# sourceMappingURL=json-body.js.map
