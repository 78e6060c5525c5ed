function jwksRoute(app, keys, path) {
  app.get(path, async (_request, reply) => {
    const jwks = await keys.jwks();
    return reply.header("content-type", "application/json; charset=utf-8").header("cache-control", "public, max-age=300").send(JSON.stringify(jwks));
  });
}
export {
  jwksRoute
};
//# sourceMappingURL=jwks.js.map
