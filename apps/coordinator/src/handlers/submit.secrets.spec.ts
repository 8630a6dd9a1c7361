import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { OperationState, REDACTED, SCHEMA_VERSION, SecretKeyring, secretContext } from '@daedalus/contracts';
import { CoordinatorConfig } from '../coordinator-config';
import {
  clockAt,
  MemoryOperationStore,
  pauseHookClientOf,
  pauseWindowsOver,
  recordingCommands,
  registryOf,
} from '../operations/handler-fakes';
import { NOW, registration } from '../operations/test-fixtures';
import { RangeCoverageClient } from '../adapters/range-coverage';
import { SubmitHandler } from './submit.handler';
import { sealedSecretFields } from '@daedalus/contracts/testing/sealed-secrets';

const ID = '6f1c2c9a-3d4e-4b5a-9c8d-7e6f5a4b3c2d';
const PROBES = { password: 'pw-probe-2b7d90', username: 'user-probe-c4e1f3', kms: 'kms-probe-81a6d5' };
const submit = (request: Record<string, unknown>) => ({
  schemaVersion: SCHEMA_VERSION,
  operationId: ID,
  request,
  submittedAt: NOW.toISOString(),
});

function harness() {
  const store = new MemoryOperationStore();
  const clock = clockAt(NOW);
  const { commands, published, announced } = recordingCommands(clock);
  const nodes = registryOf([0, 0].map((age, i) => ({ registration: registration(`h${i + 1}`), heartbeatAgeMs: age })));
  const handler = new SubmitHandler(
    store.asStore(),
    nodes,
    commands,
    clock,
    { nodeTimeoutMs: 10_000 } as CoordinatorConfig,
    {
      ask: async () => ({ ok: false, reason: 'unused' }),
    } as unknown as RangeCoverageClient,
    pauseHookClientOf(clock),
    pauseWindowsOver(store.asStore(), commands, clock),
  );
  return { handler, published, announced, record: () => store.records.get(ID) };
}

describe('SubmitHandler and secrets in requests (coordinators hold no key)', () => {
  beforeAll(() => Logger.overrideLogger(false));
  const keyring = new SecretKeyring([randomBytes(32)]);
  const sealed = sealedSecretFields(keyring, ID, PROBES);
  const backup = { type: 'backup', globalRequest: true, storageLocation: 's3://bucket', snapshotTag: 'nightly' };

  it('copies sealed secrets unchanged into the record and every command, and announces them redacted', async () => {
    const { handler, published, announced, record } = harness();
    await handler.handle(submit({ ...backup, ...sealed }));
    expect(record()?.state).toBe(OperationState.RUNNING);
    expect(record()?.request).toMatchObject(sealed);
    expect(published).toHaveLength(2);
    for (const { command } of published) expect(command.request).toMatchObject(sealed);
    expect(announced.length).toBeGreaterThan(0);
    for (const update of announced) {
      expect(update.request).toMatchObject({ kmsKeyId: REDACTED, proxySettings: { proxyUsername: REDACTED, proxyPassword: REDACTED } });
    }
    // the agent that holds the key opens what the command carries
    expect(keyring.open(String(published[0].command.request.kmsKeyId), secretContext(ID, 'kmsKeyId'))).toBe(PROBES.kms);
  });

  it('fails a request carrying a plain secret (a direct NATS client), naming the field, and keeps no plain value', async () => {
    const { handler, published, announced, record } = harness();
    const plain = {
      kmsKeyId: PROBES.kms,
      proxySettings: { ...sealed.proxySettings, proxyUsername: PROBES.username, proxyPassword: PROBES.password },
    };
    await handler.handle(submit({ ...backup, ...plain }));
    expect(record()?.state).toBe(OperationState.FAILED);
    expect(record()?.errors.map((e) => e.message)).toEqual([
      'kmsKeyId: secrets must be sealed (submit through the gateway, or seal with the request secrets key); ' +
        'proxySettings.proxyUsername: secrets must be sealed (submit through the gateway, or seal with the request secrets key); ' +
        'proxySettings.proxyPassword: secrets must be sealed (submit through the gateway, or seal with the request secrets key)',
    ]);
    expect(record()?.request).toMatchObject({ kmsKeyId: REDACTED, proxySettings: { proxyUsername: REDACTED, proxyPassword: REDACTED } });
    expect(published).toEqual([]);
    const everything = JSON.stringify([record(), announced]);
    for (const probe of Object.values(PROBES)) expect(everything).not.toContain(probe);
  });

  it('keeps no plain secret of a request refused for another reason either', async () => {
    const { handler, record } = harness();
    await handler.handle(submit({ type: 'backup', globalRequest: true, kmsKeyId: PROBES.kms }));
    expect(record()?.state).toBe(OperationState.FAILED);
    expect(JSON.stringify(record())).not.toContain(PROBES.kms);
  });
});
