export { startGcsFake } from './server';
export type { GcsFake, GcsFakeOptions } from './server';
