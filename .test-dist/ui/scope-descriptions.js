const descriptions = {
  openid: "Confirm that it is you who signed in",
  profile: "See your name and username",
  email: "See your email address",
  offline_access: "Keep access while you are away (it can renew its access without asking you again)",
  mcp: "Use the MCP server on your behalf",
  "mcp:tools": "Run the tools of the MCP server on your behalf",
  "mcp:resources": "Read the resources of the MCP server",
  "mcp:prompts": "Use the prompts of the MCP server"
};
function describeScope(scope) {
  return descriptions[scope] ?? `Use the permission \u201C${scope}\u201D`;
}
export {
  describeScope
};
//# sourceMappingURL=scope-descriptions.js.map
