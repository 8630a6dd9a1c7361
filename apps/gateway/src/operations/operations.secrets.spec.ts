/**
 * Secrets in requests at the gateway: sealed before anything is stored or published, shown redacted, refused when
 * the gateway holds no key. Over the in-memory KV fake, the real OperationStore and a recording JetStream.
 */
import { randomBytes } from 'node:crypto';
import { BadRequestException } from '@nestjs/common';
import { JetStreamClient, PubAck } from '@nats-io/jetstream';
import { BackupRequest, NodeRegistration, OperationRecord, REDACTED, SecretKeyring, secretsIn } from '@daedalus/contracts';
import { ActiveMarker, NodeRegistry, OperationStore } from '@daedalus/messaging';
import { MemoryJsonKv } from '@daedalus/messaging/testing/memory-json-kv';
import { ManualClock } from '@daedalus/common/testing/manual-clock';
import { GatewayConfig } from '../gateway-config';
import { NodeQueryClient } from '../topology/node-query.client';
import { OperationPublisher } from './operation-publisher';
import { OperationsService } from './operations.service';
import { toOperationView } from './operation-view';
import { testRegistration } from '@daedalus/contracts/testing/registrations';

const H1 = '00000000-0000-4000-8000-000000000001';
const ID = '6f1c2c9a-3d4e-4b5a-9c8d-7e6f5a4b3c2d';
const PROBES = ['pw-probe-9d3e1a', 'user-probe-51c7b2', 'kms-probe-0a8f44'];
const BACKUP = {
  type: 'backup',
  globalRequest: true,
  storageLocation: 's3://bucket',
  kmsKeyId: PROBES[2],
  proxySettings: { useProxy: true, proxyHost: 'proxy.local', proxyPort: 3128, proxyUsername: PROBES[1], proxyPassword: PROBES[0] },
};

async function harness(keyring: SecretKeyring | undefined) {
  const clock = new ManualClock('2026-03-01T10:00:00.000Z');
  const records = new MemoryJsonKv<OperationRecord>(clock);
  const registry = new NodeRegistry(new MemoryJsonKv<NodeRegistration>(clock), clock);
  await registry.put(testRegistration({ hostId: H1, keyspaces: { shop: ['orders'] } }));
  const published: string[] = [];
  const js = {
    publish: async (_subject: string, data: string): Promise<PubAck> => {
      published.push(data);
      return { stream: 'DAEDALUS_REQUESTS', seq: published.length, duplicate: false, domain: '' };
    },
  } as unknown as JetStreamClient;
  const config = { nodeQueryTimeoutMs: 2_000, nodeTimeoutMs: 30_000, requestSecrets: keyring } as GatewayConfig;
  const operations = new OperationStore(records, new MemoryJsonKv<ActiveMarker>(clock));
  const service = new OperationsService(operations, registry, new OperationPublisher(js, clock), clock, config, {} as NodeQueryClient);
  return { service, records, published };
}

async function refusal(promise: Promise<unknown>): Promise<Array<{ field: string; message: string }>> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BadRequestException);
  return ((error as BadRequestException).getResponse() as { errors: Array<{ field: string; message: string }> }).errors;
}

describe('OperationsService and secrets in requests', () => {
  const keyring = new SecretKeyring([randomBytes(32)]);

  it('stores and publishes only sealed secrets, and shows them redacted', async () => {
    const { service, records, published } = await harness(keyring);
    const { record } = await service.submit({ ...BACKUP, id: ID });
    const stored = JSON.stringify(await records.get(ID));
    for (const probe of PROBES) {
      expect(stored).not.toContain(probe);
      expect(published.join('\n')).not.toContain(probe);
    }
    expect(secretsIn(record.request).map((s) => s.value.slice(0, 10))).toEqual(['sealed:v1:', 'sealed:v1:', 'sealed:v1:']);
    // what goes to the coordinators is what the record holds
    const message = JSON.parse(published[0]) as { request: Record<string, unknown> };
    expect(message.request.kmsKeyId).toBe((record.request as BackupRequest).kmsKeyId);
    expect(keyring.open(String(message.request.kmsKeyId), `daedalus/${ID}/kmsKeyId`)).toBe(PROBES[2]);
    const view = toOperationView(record);
    expect(view.kmsKeyId).toBe(REDACTED);
    expect(view.proxySettings).toEqual({
      useProxy: true,
      proxyHost: 'proxy.local',
      proxyPort: 3128,
      proxyUsername: REDACTED,
      proxyPassword: REDACTED,
    });
  });

  it('a repeated submission seals alike: the same record, not a conflict', async () => {
    const { service } = await harness(keyring);
    const first = await service.submit({ ...BACKUP, id: ID });
    const again = await service.submit({ ...BACKUP, id: ID });
    expect(again.created).toBe(false);
    expect(again.record.request).toEqual(first.record.request);
  });

  it('without a key, a request carrying a secret is a 400 naming each field; nothing is stored or published', async () => {
    const { service, records, published } = await harness(undefined);
    const errors = await refusal(service.submit({ ...BACKUP, id: ID }));
    expect(errors.map((e) => e.field)).toEqual(['kmsKeyId', 'proxySettings.proxyUsername', 'proxySettings.proxyPassword']);
    expect(errors[2].message).toBe(
      'proxySettings.proxyPassword: this gateway has no request secrets key (--request-secrets-key-file), so it cannot accept secrets',
    );
    expect(await records.keys()).toEqual([]);
    expect(published).toEqual([]);
    // a request without secrets needs no key
    await expect(service.submit({ type: 'backup', globalRequest: true, storageLocation: 's3://bucket' })).resolves.toMatchObject({
      created: true,
    });
  });

  it('refuses a sealed value or the redaction marker from an HTTP client', async () => {
    const { service, records } = await harness(keyring);
    const sealed = keyring.seal(PROBES[0], `daedalus/${ID}/proxySettings.proxyPassword`);
    const errors = await refusal(
      service.submit({ ...BACKUP, id: ID, proxySettings: { ...BACKUP.proxySettings, proxyPassword: sealed }, kmsKeyId: REDACTED }),
    );
    expect(errors.map((e) => e.field)).toEqual(['kmsKeyId', 'proxySettings.proxyPassword']);
    expect(await records.keys()).toEqual([]);
  });
});
