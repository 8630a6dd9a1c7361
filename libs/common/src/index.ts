export * from './clock';
export * from './config-reader';
export * from './errors';
export * from './map-concurrent';
export * from './retry';
