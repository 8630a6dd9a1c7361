export * from './common';
export * from './node-operations';
export * from './backup-restore';
export * from './registry';
export * from './identifiers';
export * from './json-shape';
