function compileOnce(markers, build) {
  let compiled;
  return (executor, ...args) => {
    if (!compiled) {
      const query2 = build(...markers).compile();
      const positions2 = query2.parameters.map((parameter) => {
        const index = markers.indexOf(parameter);
        if (index < 0) return -1;
        return index;
      });
      const stray = positions2.indexOf(-1);
      if (stray >= 0) return Promise.reject(new Error(`compileOnce: the query holds a value that is not a marker: ${String(query2.parameters[stray])}`));
      compiled = { query: query2, positions: positions2 };
    }
    const { query, positions } = compiled;
    return executor.executeQuery({ ...query, parameters: positions.map((index) => args[index]) });
  };
}
export {
  compileOnce
};
//# sourceMappingURL=compiled-query.js.map
