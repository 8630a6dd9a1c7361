export * from './decrypt-stream';
export * from './encrypt-stream';
export * from './encryption-key';
export * from './errors';
export * from './framing';
export * from './client-encryption';
