class StorageUnavailableError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = "StorageUnavailableError";
  }
}
class DatabaseTooNewError extends Error {
  constructor(unknownMigrations) {
    super(
      `The database was migrated by a newer Latchkey (it has migration ${unknownMigrations.join(", ")}, unknown to this version): upgrade Latchkey, or restore a backup taken before that upgrade (docs/deploy.md)`
    );
    this.unknownMigrations = unknownMigrations;
    this.name = "DatabaseTooNewError";
  }
  unknownMigrations;
}
export {
  DatabaseTooNewError,
  StorageUnavailableError
};
//# sourceMappingURL=storage.js.map
