import { join } from 'node:path';
import { JmxBridgeClient, JmxBridgeClientOptions, JmxCallRecord } from './bridge-client';
import { JmxError, JmxErrorKind } from './jmx-client';

const FAKE = join(__dirname, '__fixtures__', 'fake-bridge.js');
const BEAN = 'org.example:type=Fake';

function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

async function rejection(promise: Promise<unknown>): Promise<JmxError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof JmxError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

async function expectKind(promise: Promise<unknown>, kind: JmxErrorKind): Promise<JmxError> {
  const error = await rejection(promise);
  expect(error.kind).toBe(kind);
  return error;
}

describe('JmxBridgeClient against a fake bridge process', () => {
  const clients: JmxBridgeClient[] = [];
  const logs: string[] = [];

  function client(options: JmxBridgeClientOptions = {}, fakeArgs: string[] = []): JmxBridgeClient {
    const c = new JmxBridgeClient({
      host: '127.0.0.1',
      port: 7199,
      bridgeCommand: { command: process.execPath, args: [FAKE, ...fakeArgs] },
      logger: { log: (m) => logs.push(m), warn: (m) => logs.push(m) },
      ...options,
    });
    clients.push(c);
    return c;
  }

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    logs.length = 0;
  });

  it('starts lazily, configures over stdin, and keeps credentials off the command line and environment', async () => {
    const c = client({ username: 'cassandra', password: 'pa55-secret', ssl: true, trustStore: '/t.jks' });
    expect(c.pid).toBeUndefined();
    const options = await c.getAttribute(BEAN, 'Options');
    expect(options).toMatchObject({
      host: '127.0.0.1',
      port: 7199,
      username: 'cassandra',
      password: 'pa55-secret',
      ssl: true,
      trustStore: '/t.jks',
      connectTimeoutMs: 10_000,
    });
    expect(c.pid).toEqual(expect.any(Number));
    expect(JSON.stringify(await c.getAttribute(BEAN, 'Argv'))).not.toContain('pa55-secret');
    expect(await c.getAttribute(BEAN, 'Env')).not.toContain('pa55-secret');
    expect(logs.join('\n')).not.toContain('pa55-secret');
  });

  it('passes every call type through and validates the typed answers', async () => {
    const c = client();
    expect(await c.getAttribute(BEAN, 'Echo')).toEqual({ objectName: BEAN, attribute: 'Echo' });
    await expect(c.setAttribute(BEAN, 'A', { type: 'int', value: 1 })).resolves.toBeUndefined();
    expect(await c.invoke(BEAN, 'op', [{ type: 'java.lang.String', value: 'x' }])).toEqual({
      operation: 'op',
      args: [{ type: 'java.lang.String', value: 'x' }],
    });
    expect(await c.queryNames('a:*')).toEqual(['a:type=One', 'a:type=Two']);
    await expectKind(c.queryNames('bad:*'), 'bridge');
    const description = await c.describe(BEAN);
    expect(description.className).toBe('Fake');
    expect(description.operations[0]).toEqual({ name: 'op', returnType: 'void', params: ['java.lang.String'] });
    expect(await c.ping()).toEqual({ pong: true, connected: false });
  });

  it('turns error answers into JmxError with kind, message and Java class', async () => {
    const c = client();
    const error = await expectKind(c.getAttribute(BEAN, 'Error'), 'remote');
    expect(error.message).toBe('Snapshot x already exists');
    expect(error.javaClass).toBe('java.io.IOException');
    await expectKind(c.getAttribute(BEAN, 'Missing'), 'signature');
    const malformed = await expectKind(c.getAttribute(BEAN, 'Malformed'), 'bridge');
    expect(malformed.message).toContain('malformed');
  });

  it('tells onCall of every call with its MBean operation or attribute name, never the object name', async () => {
    const calls: JmxCallRecord[] = [];
    const c = client({ onCall: (call) => calls.push(call) });
    await c.invoke(BEAN, 'op', []);
    await expectKind(c.getAttribute(BEAN, 'Error'), 'remote');
    await c.ping();
    expect(calls.map(({ call, name, failed }) => ({ call, name, failed }))).toEqual([
      { call: 'invoke', name: 'op', failed: false },
      { call: 'getAttribute', name: 'Error', failed: true },
      { call: 'ping', name: 'ping', failed: false },
    ]);
    expect(calls.every((call) => call.seconds >= 0 && call.seconds < 60)).toBe(true);
  });

  it('matches answers to calls by id when they arrive out of order or split across chunks', async () => {
    const c = client();
    const order: string[] = [];
    const track = (name: string, call: Promise<unknown>) => call.then((value) => (order.push(name), value));
    const [slow, split, fast] = await Promise.all([
      track('slow', c.getAttribute(BEAN, 'Slow')),
      track('split', c.getAttribute(BEAN, 'Split')),
      track('fast', c.getAttribute(BEAN, 'Echo')),
    ]);
    expect(slow).toBe('slow');
    expect(split).toBe('split \u00e9\u4e2d');
    expect(fast).toEqual({ objectName: BEAN, attribute: 'Echo' });
    expect(order).toEqual(['split', 'fast', 'slow']);
  });

  it('skips a line that is not JSON and keeps working', async () => {
    const c = client();
    expect(await c.getAttribute(BEAN, 'Garbage')).toBe('after-garbage');
    expect(logs.some((l) => l.includes('unreadable response'))).toBe(true);
  });

  it('times out a call that gets no answer, ignores the late answer, and stays usable', async () => {
    const c = client({ defaultTimeoutMs: 5_000 });
    await c.ping();
    const started = Date.now();
    const error = await expectKind(c.getAttribute(BEAN, 'Late', { timeoutMs: 100 }), 'timeout');
    // the call's own 100 ms, not the client's 5 s default, ended it (with room for a loaded machine)
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(error.message).toContain('getAttribute');
    await expectKind(c.getAttribute(BEAN, 'Hang', { timeoutMs: 50 }), 'timeout');
    await new Promise((resolve) => setTimeout(resolve, 300)); // let the late answer arrive
    expect(await c.getAttribute(BEAN, 'Echo')).toEqual({ objectName: BEAN, attribute: 'Echo' });
  });

  it('counts a slow start against the call timeout', async () => {
    const c = client({}, ['--start-delay=1500']);
    await expectKind(c.ping({ timeoutMs: 200 }), 'timeout');
    // the start carries on and later calls use the same process
    expect(await c.ping({ timeoutMs: 10_000 })).toEqual({ pong: true, connected: false });
  });

  it('fails in-flight calls with kind bridge when the process dies, then starts a new one', async () => {
    const c = client();
    const firstPid = await c.getAttribute(BEAN, 'Pid');
    const hanging = rejection(c.getAttribute(BEAN, 'Hang'));
    const error = await expectKind(c.getAttribute(BEAN, 'Exit'), 'bridge');
    expect(error.message).toContain('exited (code 3)');
    expect(error.message).toContain('exiting on request');
    expect((await hanging).kind).toBe('bridge');
    const secondPid = await c.getAttribute(BEAN, 'Pid');
    expect(typeof firstPid).toBe('number');
    expect(secondPid).not.toBe(firstPid);
    expect(isGone(firstPid as number)).toBe(true);
  });

  it('shares one start between concurrent first calls', async () => {
    const c = client();
    const pids = await Promise.all([1, 2, 3, 4].map(() => c.getAttribute(BEAN, 'Pid')));
    expect(new Set(pids).size).toBe(1);
  });

  it('rejects the call and stops the process when configure is refused', async () => {
    const c = client({ username: 'refuse' });
    const error = await expectKind(c.ping(), 'auth');
    expect(error.message).toBe('refused at configure');
    expect(c.pid).toBeUndefined();
  });

  it('close() kills the process by PID, rejects calls in flight, and refuses later calls', async () => {
    const c = client();
    const pid = (await c.getAttribute(BEAN, 'Pid')) as number;
    const hanging = rejection(c.getAttribute(BEAN, 'Hang'));
    await c.ping(); // answered after the Hang request went out, so that one is truly in flight
    await c.close();
    const error = await hanging;
    expect(error.kind).toBe('bridge');
    expect(error.message).toContain('closed');
    expect(isGone(pid)).toBe(true);
    await expectKind(c.ping(), 'bridge');
  });

  it('close() during start leaves no process behind', async () => {
    const c = client({}, ['--start-delay=300']);
    const call = rejection(c.ping());
    await new Promise((resolve) => setTimeout(resolve, 50));
    await c.close();
    expect((await call).kind).toBe('bridge');
    expect(c.pid).toBeUndefined();
  });

  it('reports a java binary that cannot be started as kind bridge', async () => {
    const c = new JmxBridgeClient({ javaBin: '/nonexistent/java', logger: { log: () => undefined, warn: () => undefined } });
    clients.push(c);
    const error = await expectKind(c.ping(), 'bridge');
    expect(error.message).toContain('/nonexistent/java');
  });
});
