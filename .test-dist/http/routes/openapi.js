import { openapiDocument } from "../openapi-document.js";
function openapiRoute(app, config, base) {
  const body = JSON.stringify(openapiDocument(config));
  app.get(
    `${base}/openapi.json`,
    async (_request, reply) => reply.header("content-type", "application/json; charset=utf-8").header("cache-control", "public, max-age=300").send(body)
  );
}
export {
  openapiRoute
};
//# sourceMappingURL=openapi.js.map
