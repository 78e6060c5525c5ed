function listResources(config) {
  const { resources } = config;
  const defaultEntry = resources.find((r) => r.default) ?? resources[0];
  return resources.map((resource) => ({ ...resource, isDefault: resource === defaultEntry }));
}
export {
  listResources
};
//# sourceMappingURL=resources.js.map
