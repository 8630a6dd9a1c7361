export * from './operation-state';
export * from './node-state';
export * from './phase-step';
export * from './node-entries';
export * from './progress';
export * from './operation-lifecycle';
export * from './operation-resume';
export * from './node-command';
