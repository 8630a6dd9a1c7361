export * from './metric-names';
export * from './metrics-registry';
export * from './metrics-server';
export * from './metrics-settings';
export * from './recorders';
