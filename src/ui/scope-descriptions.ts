/** What each scope lets an application do, in words a person can judge on the consent page. */
const descriptions: Record<string, string> = {
  openid: 'Confirm that it is you who signed in',
  profile: 'See your name and username',
  email: 'See your email address',
  offline_access: 'Keep access while you are away (it can renew its access without asking you again)',
  mcp: 'Use the MCP server on your behalf',
  'mcp:tools': 'Run the tools of the MCP server on your behalf',
  'mcp:resources': 'Read the resources of the MCP server',
  'mcp:prompts': 'Use the prompts of the MCP server',
};

/** The description of a scope; a scope without one is shown as it is, so that nothing is hidden. */
export function describeScope(scope: string): string {
  return descriptions[scope] ?? `Use the permission “${scope}”`;
}
