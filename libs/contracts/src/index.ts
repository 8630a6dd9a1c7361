export * from './naming';
export * from './schema-version';
export * from './operation-state';
export * from './operation-record';
export * from './messages';
export * from './requests/index';
export * from './operation-resume';
