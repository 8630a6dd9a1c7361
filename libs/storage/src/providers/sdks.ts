/**
 * The cloud SDKs, each loaded the first time a backend of its provider is opened. Every process that imports
 * @daedalus/storage (the agent, the coordinator, the CLI) needs at most one of them, and each costs ~30 MB and
 * ~0.3 s to load: loading all three eagerly was most of the agent's memory before its first transfer.
 * Backends import only their SDK's types statically (`import type`, erased from the emitted code).
 */
import { createRequire } from 'node:module';

export type S3Sdk = typeof import('@aws-sdk/client-s3');
export type S3UploadSdk = typeof import('@aws-sdk/lib-storage');
export type AzureSdk = typeof import('@azure/storage-blob');
export type GcsSdk = typeof import('@google-cloud/storage');

// Node's own require: the module is resolved and run once, then served from its cache.
const load = createRequire(__filename);

export const s3Sdk = (): S3Sdk => load('@aws-sdk/client-s3') as S3Sdk;
export const s3UploadSdk = (): S3UploadSdk => load('@aws-sdk/lib-storage') as S3UploadSdk;
export const azureSdk = (): AzureSdk => load('@azure/storage-blob') as AzureSdk;
export const gcsSdk = (): GcsSdk => load('@google-cloud/storage') as GcsSdk;
