export * from './protocol';
export * from './backup.protocol';
export * from './restore.protocol';
export * from './truncate.protocol';
export * from './remove-backup.protocol';
