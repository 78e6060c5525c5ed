import { metadataPaths } from "../protocol/server-metadata.js";
function latchkeyPaths(issuer, routes) {
  const base = new URL(issuer).pathname.replace(/\/+$/, "");
  const exact = new Set(metadataPaths(issuer));
  const segments = routes.filter((route) => route.startsWith("/") && !route.startsWith("/.well-known/")).map((route) => route.split("/")[1] ?? "");
  const prefixes = base ? [base] : [...new Set(segments.filter((segment) => segment !== "" && !segment.includes("*")).map((segment) => `/${segment}`))];
  return (path) => exact.has(path) || prefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}
function createNodeMiddleware(app, owns) {
  return (request, response, next) => {
    const url = request.originalUrl ?? request.url ?? "/";
    const path = url.split("?", 1)[0];
    if (!owns(path)) {
      if (next) return next();
      response.writeHead(404, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
      return response.end(JSON.stringify({ error: "not_found", error_description: "There is nothing at this URL." }));
    }
    if (request.readableEnded && hasBody(request)) {
      const error = new Error(
        "Latchkey received a request whose body the host has already read: mount Latchkey before body-parsing middleware (e.g. express.json())"
      );
      if (next) return next(error);
      response.writeHead(500, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
      return response.end(JSON.stringify({ error: "server_error" }));
    }
    request.url = url;
    app.routing(request, response);
  };
}
function hasBody(request) {
  return request.headers["content-length"] !== void 0 ? request.headers["content-length"] !== "0" : request.headers["transfer-encoding"] !== void 0;
}
export {
  createNodeMiddleware,
  latchkeyPaths
};
//# sourceMappingURL=node-handler.js.map
