export * from './signing-key';
export * from './message-signatures';
export * from './record-seal';
export * from './signing-settings';
