/**
 * Azure `proxySettings`: every request of the backend goes through a real forward proxy requiring Basic
 * authentication (test/support/proxy), in front of Azurite; a wrong password fails with the proxy's 407 said
 * plainly and never repeated.
 */
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { AzureBackend } from '@daedalus/storage';
import { makeTempDir, ProcessGroup, removeDir } from '../support/processes';
import { startTestProxy, TestProxy } from '../support/proxy/test-proxy';
import { startEmulator, StorageEmulator } from './emulators';

const USER = 'blob-svc';
const PASSWORD = 'az-pr0xy:p%ss@probe-5e1';
const WRONG = 'az-wr0ng-probe-0c9a';

describe('azure through an authenticating proxy (Azurite)', () => {
  let dir: string;
  let group: ProcessGroup;
  let azure: StorageEmulator;
  let proxy: TestProxy;
  const open = (password: string) =>
    new AzureBackend({
      bucket: 'proxied',
      env: azure.env,
      sdkMaxTries: 1,
      proxy: { protocol: 'http', host: '127.0.0.1', port: proxy.port, username: USER, password },
    });

  beforeAll(async () => {
    dir = makeTempDir('azure-proxy');
    group = new ProcessGroup(dir);
    azure = await startEmulator('azure', group, join(dir, 'azure'));
    proxy = await startTestProxy(group, dir, USER, PASSWORD);
  }, 120_000);
  afterAll(async () => {
    await group?.stopAll();
    if (dir) removeDir(dir);
  }, 30_000);

  it('sends every request through the proxy, authenticated', async () => {
    const backend = open(PASSWORD);
    const before = proxy.seen().length;
    await backend.ensureBucket({ create: true });
    const put = await backend.put('a/object', Readable.from([Buffer.from('through the proxy')]), { size: 17 });
    const info = await backend.stat('a/object');
    expect(info?.sha256).toBe(put.sha256);
    const seen = proxy.seen().slice(before);
    // container check and creation, put, stat: all forwarded to Azurite, none refused
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expect(seen.every((line) => line.allowed && line.target.startsWith(azure.endpoint.replace(/\/[^/]+$/, '')))).toBe(true);
  });

  it('fails with the proxy refusal said plainly when the password is wrong, never repeating it', async () => {
    const error = await open(WRONG)
      .put('b/object', Readable.from([Buffer.from('x')]), { size: 1 })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toMatchObject({ kind: 'permanent', status: 407 });
    const message = (error as Error).message;
    expect(message).toContain('the proxy refused the proxy credentials (HTTP 407)');
    expect(message).not.toContain(WRONG);
    expect(proxy.seen().some((line) => !line.allowed)).toBe(true);
  });
});
