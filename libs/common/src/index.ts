export * from './clock';
export * from './config';
export * from './errors';
export * from './map-concurrent';
export * from './retry';
export * from './metrics';
export * from './logging';
