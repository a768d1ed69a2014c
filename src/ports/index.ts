export type * from './archive.ts';
export type * from './clock.ts';
export type * from './database.ts';
export type * from './fileSystem.ts';
export type * from './hashing.ts';
export type * from './scheduler.ts';
export type * from './encryption.ts';
export type * from './destination.ts';
