export * from './log-context';
export * from './logging-settings';
export * from './redaction';
export * from './service-logger';
