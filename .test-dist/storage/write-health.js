import { StorageUnavailableError } from "../ports/storage.js";
function trackWriteHealth(guard, probe) {
  let failing = false;
  return {
    guard: async (work) => {
      try {
        return await guard(work);
      } catch (error) {
        if (error instanceof StorageUnavailableError) failing = true;
        throw error;
      }
    },
    async writable() {
      if (!failing) return true;
      try {
        await guard(probe);
        failing = false;
      } catch {
      }
      return !failing;
    }
  };
}
export {
  trackWriteHealth
};
//# sourceMappingURL=write-health.js.map
