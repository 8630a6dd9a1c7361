export * from './naming';
export * from './schema-version';
export * from './operation-record';
export * from './messages';
export * from './requests/index';
export * from './protocols/index';
export * from './lifecycle/index';
