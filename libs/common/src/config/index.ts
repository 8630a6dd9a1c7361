export * from './config-reader';
export * from './constraints';
export * from './help';
export * from './nearest';
export * from './option';
export * from './read-options';
export * from './request-secrets-settings';
export * from './pause-hook-settings';
