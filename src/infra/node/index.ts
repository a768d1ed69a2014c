/** The real machine's adapters, composed: what src/electron, src/server and src/cli import. */
export { composeNodeBackupService, createNodeAdapters, type NodeBackup, type NodeBackupOptions } from './compose.ts';
export { createBetterSqliteDatabase, type BetterSqliteDatabase } from '../betterSqlite/betterSqliteDatabase.ts';
export { createNodeFileSystem } from '../nodefs/nodeFileSystem.ts';
export { appJobs } from '../jobs/appJobs.ts';
