import { pushedRequestLifetimeSeconds } from "../../protocol/authorization/pushed-request.js";
import { authorizeOperation } from "./operations.js";
import { errorResponses } from "./schemas.js";
function pushedParameters() {
  const parameters = authorizeOperation["get"].parameters;
  return Object.fromEntries(parameters.filter(({ name }) => name !== "request_uri").map(({ name, description, schema }) => [name, { ...schema, description }]));
}
const parOperation = {
  post: {
    operationId: "pushAuthorizationRequest",
    tags: ["authorization"],
    summary: "Push an authorization request (RFC 9126)",
    description: "The client authenticates as at the token endpoint and the request is validated as `/authorize` validates it. The browser is then sent to `/authorize?client_id=\u2026&request_uri=\u2026`; the `request_uri` is single-use. Rate-limited with the token endpoint.",
    security: [{ clientSecretBasic: [] }, {}],
    requestBody: {
      required: true,
      content: {
        "application/x-www-form-urlencoded": {
          schema: {
            type: "object",
            required: ["response_type", "code_challenge", "code_challenge_method"],
            properties: {
              ...pushedParameters(),
              client_secret: { type: "string", description: "For `client_secret_post` only; never together with HTTP Basic." }
            }
          }
        }
      }
    },
    responses: {
      "201": {
        description: "The request is stored.",
        headers: { "Cache-Control": { description: "`no-store`", schema: { type: "string", const: "no-store" } } },
        content: {
          "application/json": {
            schema: {
              type: "object",
              required: ["request_uri", "expires_in"],
              properties: {
                request_uri: { type: "string", pattern: "^urn:ietf:params:oauth:request_uri:", description: "For `/authorize`, with `client_id`; single use." },
                expires_in: { type: "integer", const: pushedRequestLifetimeSeconds, description: "Seconds until the `request_uri` expires." }
              }
            }
          }
        }
      },
      ...errorResponses([
        "invalid_request",
        "unsupported_response_type",
        "unauthorized_client",
        "invalid_target",
        "invalid_client",
        "payload_too_large",
        "unsupported_media_type",
        "rate_limited",
        "server_error",
        "temporarily_unavailable"
      ])
    }
  }
};
export {
  parOperation
};
//# sourceMappingURL=par-operation.js.map
