export * from './sealed-secret';
export * from './request-secrets';
