function toResponse(reply) {
  return new Response(reply.body, { status: reply.status, headers: reply.headers });
}
export {
  toResponse
};
//# sourceMappingURL=http-reply.js.map
