import { metadataPaths, serverMetadata } from "../../protocol/server-metadata.js";
function metadataRoutes(app, config) {
  const body = JSON.stringify(serverMetadata(config));
  for (const path of metadataPaths(config.issuer)) {
    app.get(
      path,
      async (_request, reply) => reply.header("content-type", "application/json; charset=utf-8").header("cache-control", "public, max-age=300").send(body)
    );
  }
}
export {
  metadataRoutes
};
//# sourceMappingURL=metadata.js.map
