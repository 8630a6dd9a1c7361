export * from './segments';
export * from './archiving-properties';
