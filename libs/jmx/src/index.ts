export * from './jmx-client';
export * from './bridge-client';
export { DEFAULT_JVM_ARGS, findRepoRoot } from './bridge-launch';
export type { BridgeCommand, BridgeLaunchOptions } from './bridge-launch';
export type { JmxLogger } from './bridge-process';
export * from './jmx-args';
export * from './credentials-file';
