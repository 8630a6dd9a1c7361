export * from './schedule';
export * from './schedule-times';
export * from './parse-schedule';
export * from './operation-ids';
export * from './schedule-messages';
