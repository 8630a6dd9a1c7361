export * from './common';
export * from './node-operations';
export * from './backup-restore';
export * from './registry';
export * from './identifiers';
export * from './raw-json-guard';
export { storageLocationProblem } from './storage-location';
export * from './datacenters';
export * from './retention-policy';
