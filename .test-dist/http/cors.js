function allowAnyOrigin(api, policy) {
  const urls = /* @__PURE__ */ new Set();
  api.addHook("onRoute", (route) => void urls.add(route.url));
  const exposed = policy.exposedHeaders?.join(", ");
  api.addHook("onRequest", async (_request, reply) => {
    reply.header("access-control-allow-origin", "*");
    if (exposed) reply.header("access-control-expose-headers", exposed);
  });
  const methods = policy.methods.join(", ");
  const allowedHeaders = policy.allowedHeaders.join(", ");
  return async () => {
    await api.register(async (preflights) => {
      for (const url of [...urls]) {
        preflights.options(
          url,
          async (_request, reply) => reply.code(204).header("access-control-allow-methods", methods).header("access-control-allow-headers", allowedHeaders).header("access-control-max-age", String(policy.maxAgeSeconds)).send()
        );
      }
    });
  };
}
export {
  allowAnyOrigin
};
//# sourceMappingURL=cors.js.map
