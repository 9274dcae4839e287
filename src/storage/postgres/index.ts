export {
  connectionsBesidesPool,
  describeConnectionFailure,
  isPostgresUrl,
  type PostgresTarget,
  parsePostgresUrl,
  redactUrl,
  type SslMode,
  StoreUrlError,
} from './connection.ts';
export { PostgresStore, type PostgresStoreOptions } from './driver.ts';
export { type ModuleSchema, migratePostgres, NewerSchemaError, readSchemaStatus } from './migrate.ts';
export { connect as connectPostgres } from './sql.ts';
