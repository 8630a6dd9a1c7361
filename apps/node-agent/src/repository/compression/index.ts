export * from './zstd-format';
export * from './content-check';
export * from './zstd-streams';
export * from './component-rules';
export * from './compression-choice';
