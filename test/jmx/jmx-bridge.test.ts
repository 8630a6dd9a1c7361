/**
 * JmxBridgeClient + JmxBridge.java against a real JVM serving JMX (test/jmx/fixtures/JmxFixture.java).
 * One fixture serves most tests; the reconnect tests use their own, since they kill it.
 */
import { mkdirSync } from 'node:fs';
import { createServer, Server, Socket } from 'node:net';
import { join } from 'node:path';
import { JmxBridgeClient, JmxBridgeClientOptions, jmxArgs } from '@daedalus/jmx';
import { freePort, makeTempDir, ManagedProcess, ProcessGroup, removeDir, waitFor } from '../support/processes';
import {
  compileJava,
  expectJmxError,
  isGone,
  jmxFailure,
  LogCapture,
  OTHER_BEAN,
  startFixture,
  stopFixtures,
  TEST_BEAN,
} from './jmx-support';

describe('JMX bridge against a real JMX server', () => {
  let dir: string;
  let group: ProcessGroup;
  let bridgeClasses: string;
  let fixtureClasses: string;
  let port: number;
  let shared: JmxBridgeClient;
  const clients: JmxBridgeClient[] = [];
  const fixtures: ManagedProcess[] = [];
  const bridgePids = new Set<number>();
  const logs = new LogCapture();

  function client(options: JmxBridgeClientOptions = {}): JmxBridgeClient {
    const c = new JmxBridgeClient({ host: '127.0.0.1', port, bridgeClassDir: bridgeClasses, logger: logs, ...options });
    clients.push(c);
    return c;
  }

  async function remember(c: JmxBridgeClient): Promise<number> {
    await c.ping();
    const pid = c.pid;
    if (pid === undefined) throw new Error('bridge not running after a ping');
    bridgePids.add(pid);
    return pid;
  }

  beforeAll(async () => {
    dir = makeTempDir('jmx-bridge');
    group = new ProcessGroup(dir);
    ({ bridgeClasses, fixtureClasses } = await compileJava(dir));
    port = await freePort();
    fixtures.push(await startFixture(group, 'fixture', fixtureClasses, port));
    shared = client();
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    if (group) await stopFixtures(group, fixtures);
    for (const pid of bridgePids) expect(isGone(pid)).toBe(true);
    if (dir) removeDir(dir);
  });

  describe('values', () => {
    it('reads attributes of every type, converted to JSON', async () => {
      const started = Date.now();
      expect(await shared.getAttribute(TEST_BEAN, 'Name')).toBe('fixture');
      const firstCallMs = Date.now() - started; // JVM start + configure + JMX connect + one read
      await remember(shared);
      expect(await shared.getAttribute(TEST_BEAN, 'Enabled')).toBe(true);
      expect(await shared.getAttribute(TEST_BEAN, 'Count')).toBe(42);
      expect(await shared.getAttribute(TEST_BEAN, 'BigNumber')).toBe('1152921504606846976');
      expect(await shared.getAttribute(TEST_BEAN, 'Ratio')).toBe(0.25);
      expect(await shared.getAttribute(TEST_BEAN, 'Tags')).toEqual(['a', 'b', 'c']);
      expect(await shared.getAttribute(TEST_BEAN, 'Labels')).toEqual({ dc: 'dc1', rack: 'r1' });
      expect(await shared.getAttribute(TEST_BEAN, 'Numbers')).toEqual([1, 2, 3]);
      expect(await shared.getAttribute(TEST_BEAN, 'Nothing')).toBeNull();
      expect(await shared.getAttribute(TEST_BEAN, 'Details')).toEqual({ key: 'k1', live: true, size: 7 });
      const warmStarted = Date.now();
      await shared.getAttribute(TEST_BEAN, 'Name');
      console.log(`first call (start+connect) ${firstCallMs} ms, warm getAttribute ${Date.now() - warmStarted} ms`);
    });

    it('writes attributes', async () => {
      await shared.setAttribute(OTHER_BEAN, 'Name', jmxArgs.string('renamed'));
      await shared.setAttribute(OTHER_BEAN, 'Enabled', jmxArgs.bool(false));
      expect(await shared.getAttribute(OTHER_BEAN, 'Name')).toBe('renamed');
      expect(await shared.getAttribute(OTHER_BEAN, 'Enabled')).toBe(false);
      const error = await expectJmxError(shared.setAttribute(OTHER_BEAN, 'Count', jmxArgs.int(1)), 'signature');
      expect(error.message).toContain('Count');
    });

    it('invokes operations with each argument type', async () => {
      expect(await shared.invoke(TEST_BEAN, 'echo', [jmxArgs.string('h\u00e9llo "quoted"\n')])).toBe('h\u00e9llo "quoted"\n');
      expect(await shared.invoke(TEST_BEAN, 'echo', [jmxArgs.string(null)])).toBeNull();
      expect(await shared.invoke(TEST_BEAN, 'negate', [jmxArgs.bool(true)])).toBe(false);
      expect(await shared.invoke(TEST_BEAN, 'addInt', [jmxArgs.int(40), jmxArgs.int(2)])).toBe(42);
      expect(await shared.invoke(TEST_BEAN, 'addLong', [jmxArgs.long(2n ** 60n), jmxArgs.long(1)])).toBe('1152921504606846977');
      expect(await shared.invoke(TEST_BEAN, 'join', [jmxArgs.stringArray(['ks1', 'ks2.t'])])).toBe('ks1,ks2.t');
      expect(await shared.invoke(TEST_BEAN, 'echoMap', [jmxArgs.map({ skipFlush: 'true', ttl: '1h' })])).toEqual({
        skipFlush: 'true',
        ttl: '1h',
      });
      expect(await shared.invoke(TEST_BEAN, 'echoSet', [jmxArgs.set(['b', 'a', 'b'])])).toEqual(['a', 'b']);
      expect(await shared.invoke(TEST_BEAN, 'echoList', [jmxArgs.list(['z', 'y', 'z'])])).toEqual(['z', 'y', 'z']);
    });

    it('calls a Cassandra-shaped varargs operation and passes the MBean exception message through', async () => {
      const args = [jmxArgs.string('snap-1'), jmxArgs.map({ skipFlush: 'true' }), jmxArgs.stringArray(['ks.t1', 'ks.t2'])];
      expect(await shared.invoke(TEST_BEAN, 'takeSnapshot', args)).toBe('snap-1|{skipFlush=true}|ks.t1,ks.t2');
      const error = await expectJmxError(shared.invoke(TEST_BEAN, 'takeSnapshot', args), 'remote');
      expect(error.message).toBe('Snapshot snap-1 already exists.');
      expect(error.javaClass).toBe('java.io.IOException');
    });

    it('converts TabularData to an array of row objects, also inside a Map', async () => {
      const rows = [
        { key: 'k1', live: true, size: 1 },
        { key: 'k2', live: false, size: 2 },
      ];
      expect(await shared.invoke(TEST_BEAN, 'table', [])).toEqual(rows);
      expect(await shared.invoke(TEST_BEAN, 'getSnapshotDetails', [jmxArgs.map({})])).toEqual({ snap1: rows });
    });

    it('describes an MBean: class, attributes, operations with parameter and return types', async () => {
      const info = await shared.describe(TEST_BEAN);
      expect(info.objectName).toBe(TEST_BEAN);
      expect(info.className).toBe('JmxFixture$TestService');
      expect(info.attributes).toContainEqual({ name: 'Name', type: 'java.lang.String', readable: true, writable: true });
      expect(info.attributes).toContainEqual({ name: 'Tags', type: 'java.util.List', readable: true, writable: false });
      expect(info.operations).toContainEqual({
        name: 'takeSnapshot',
        returnType: 'java.lang.String',
        params: ['java.lang.String', 'java.util.Map', '[Ljava.lang.String;'],
      });
      expect(info.operations.map((o) => o.name)).not.toContain('getName');
    });

    it('lists ObjectNames matching a pattern', async () => {
      expect(await shared.queryNames('org.daedalus.test:*')).toEqual([OTHER_BEAN, TEST_BEAN]);
      expect(await shared.queryNames('org.daedalus.test:type=TestService,*')).toEqual([TEST_BEAN]);
      expect(await shared.queryNames('org.daedalus.nothing:*')).toEqual([]);
      expect((await shared.queryNames('java.lang:type=Runtime')).length).toBe(1);
    });
  });

  describe('errors', () => {
    it('reports a missing MBean as not-found', async () => {
      await expectJmxError(shared.getAttribute('org.daedalus.test:type=Missing', 'Name'), 'not-found');
      const error = await expectJmxError(shared.invoke('org.daedalus.test:type=Missing', 'echo', []), 'not-found');
      expect(error.javaClass).toBe('javax.management.InstanceNotFoundException');
    });

    it('reports unknown attributes, getters invoked as operations and wrong signatures as signature', async () => {
      await expectJmxError(shared.getAttribute(TEST_BEAN, 'NoSuchThing'), 'signature');
      const getter = await expectJmxError(shared.invoke(TEST_BEAN, 'getName', []), 'signature');
      expect(getter.message).toContain('getName');
      await expectJmxError(shared.invoke(TEST_BEAN, 'echo', [jmxArgs.int(1)]), 'signature');
      await expectJmxError(shared.invoke(TEST_BEAN, 'noSuchOperation', []), 'signature');
    });

    it('reports what the MBean threw as remote, with its class and message', async () => {
      const checked = await expectJmxError(shared.invoke(TEST_BEAN, 'fail', [jmxArgs.string('disk full')]), 'remote');
      expect(checked).toMatchObject({ message: 'disk full', javaClass: 'java.io.IOException' });
      const unchecked = await expectJmxError(shared.invoke(TEST_BEAN, 'failRuntime', [jmxArgs.string('bad state')]), 'remote');
      expect(unchecked).toMatchObject({ message: 'bad state', javaClass: 'java.lang.IllegalStateException' });
    });

    it('reports an exception class the bridge cannot load as remote, and keeps the connection', async () => {
      const error = await expectJmxError(shared.invoke(TEST_BEAN, 'failCustom', [jmxArgs.string('custom')]), 'remote');
      expect(error.javaClass).toBe('JmxFixture$FixtureException');
      expect(await shared.ping()).toEqual({ pong: true, connected: true });
    });

    it('refuses malformed requests as bridge errors without breaking the bridge', async () => {
      await expectJmxError(shared.getAttribute('not an object name', 'Name'), 'bridge');
      const unsupported = await expectJmxError(shared.invoke(TEST_BEAN, 'echo', [{ type: 'java.util.Date', value: 1 }]), 'bridge');
      expect(unsupported.message).toContain('java.util.Date');
      await expectJmxError(shared.invoke(TEST_BEAN, 'negate', [{ type: 'boolean', value: 'yes' }]), 'bridge');
      expect(await shared.getAttribute(TEST_BEAN, 'Count')).toBe(42);
    });

    it('reports a refused connection as connection', async () => {
      const nobody = await freePort();
      const c = client({ port: nobody });
      const error = await expectJmxError(c.getAttribute(TEST_BEAN, 'Name'), 'connection');
      expect(error.message).toMatch(/Connection refused/i);
      await remember(c);
    });

    it('bounds a connect to an endpoint that never answers by the connect timeout', async () => {
      const sockets: Socket[] = [];
      const silent: Server = createServer((s) => sockets.push(s));
      const silentPort = await freePort();
      await new Promise<void>((resolve) => silent.listen(silentPort, '127.0.0.1', resolve));
      try {
        const c = client({ port: silentPort, connectTimeoutMs: 500 });
        await remember(c);
        const started = Date.now();
        const error = await expectJmxError(c.getAttribute(TEST_BEAN, 'Name', { timeoutMs: 10_000 }), 'connection');
        expect(error.message).toContain('timed out after 500 ms');
        // well under the call's own 10 s timeout; room for a slow JVM on a loaded machine
        expect(Date.now() - started).toBeLessThan(8_000);
      } finally {
        sockets.forEach((s) => s.destroy());
        await new Promise((resolve) => silent.close(resolve));
      }
    });
  });

  describe('timing and concurrency', () => {
    it('times out a slow call and stays usable', async () => {
      const started = Date.now();
      const error = await expectJmxError(shared.invoke(TEST_BEAN, 'sleep', [jmxArgs.long(10_000)], { timeoutMs: 300 }), 'timeout');
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(290);
      // long before the MBean's 10 s sleep ends, with room for event-loop lag on a loaded machine
      expect(elapsed).toBeLessThan(5_000);
      expect(error.message).toContain('sleep');
      expect(await shared.getAttribute(TEST_BEAN, 'Count')).toBe(42);
    });

    // These two prove concurrency by order (the MBean counts sleeps as they start), not by elapsed-time
    // bounds, which a loaded machine can break: a fixed 100 ms pause did not even ensure the sleep had begun.
    const sleepCalls = async (): Promise<number> => Number(await shared.getAttribute(TEST_BEAN, 'SleepCalls'));

    it('answers a quick read while a long operation runs', async () => {
      const before = await sleepCalls();
      const started = Date.now();
      let slowDoneAt = 0;
      const slow = shared.invoke(TEST_BEAN, 'sleep', [jmxArgs.long(3_000)]).then((v) => ((slowDoneAt = Date.now()), v));
      await waitFor('the sleep to start in the MBean', async () => (await sleepCalls()) > before, 15_000, 20);
      expect(await shared.getAttribute(TEST_BEAN, 'Name')).toBe('fixture');
      expect(slowDoneAt).toBe(0); // the read was answered while the sleep still ran
      expect(await slow).toBe(3_000);
      expect(slowDoneAt - started).toBeGreaterThanOrEqual(3_000);
    });

    it('runs long operations side by side', async () => {
      const before = await sleepCalls();
      let finished = 0;
      const sleeps = Promise.all(
        [1, 2, 3].map(() => shared.invoke(TEST_BEAN, 'sleep', [jmxArgs.long(3_000)]).then((v) => ((finished += 1), v))),
      );
      // one after another, the third sleep would start only once the first two had finished (6 s)
      await waitFor('three sleeps running at once', async () => (await sleepCalls()) >= before + 3, 15_000, 20);
      expect(finished).toBe(0);
      expect(await sleeps).toEqual([3_000, 3_000, 3_000]);
    });

    it('queues a burst larger than its thread pool instead of refusing it', async () => {
      const words = Array.from({ length: 300 }, (_, i) => `w${i}`);
      const echoed = await Promise.all(words.map((w) => shared.invoke(TEST_BEAN, 'echo', [jmxArgs.string(w)])));
      expect(echoed).toEqual(words);
    });
  });

  describe('process lifecycle', () => {
    it('runs from source with the source launcher when no compiled class exists', async () => {
      const empty = join(dir, 'no-classes');
      mkdirSync(empty);
      const c = client({ bridgeClassDir: empty });
      const started = Date.now();
      expect(await c.getAttribute(TEST_BEAN, 'Count')).toBe(42);
      console.log(`source-launched bridge: first call ${Date.now() - started} ms`);
      await remember(c);
      await c.close();
    });

    it('speaks line-delimited JSON and exits by itself when stdin closes (the parent died)', async () => {
      const bridge = group.start('raw-bridge', 'java', ['-cp', bridgeClasses, 'JmxBridge']);
      const stdin = bridge.child.stdin;
      if (!stdin) throw new Error('no stdin');
      const send = (message: object | string): void => {
        stdin.write(`${typeof message === 'string' ? message : JSON.stringify(message)}\n`);
      };
      send({ id: 1, op: 'configure', options: { host: '127.0.0.1', port } });
      send({ id: 2, op: 'getAttribute', objectName: TEST_BEAN, attribute: 'Tags' });
      send('{"id":3,"op":');
      send({ id: 4, op: 'frobnicate' });
      send({ id: 5, op: 'invoke', objectName: TEST_BEAN, operation: 'sleep', args: [{ type: 'long', value: 10_000 }] });
      // JVM start + JMX connect: bounded like the fixture's start, as a loaded machine may need it
      await group.waitForOutput(bridge, /"id":4,.*\n/, 30_000);
      await group.waitForOutput(bridge, /"id":2,.*\n/, 30_000);
      const lines = bridge
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'));
      expect(lines).toContain('{"id":1,"ok":true,"result":null}');
      expect(lines).toContain('{"id":2,"ok":true,"result":["a","b","c"]}');
      expect(lines.find((l) => l.startsWith('{"id":null'))).toMatch(/"kind":"bridge","message":"invalid JSON/);
      expect(lines).toContain('{"id":4,"ok":false,"error":{"kind":"bridge","message":"unknown op \'frobnicate\'"}}');
      // the 10 s sleep is still running; closing stdin must end the JVM anyway
      const started = Date.now();
      stdin.end();
      expect(await bridge.exited).toBe(0);
      expect(Date.now() - started).toBeLessThan(8_000); // not after the sleep's 10 s; room for a slow JVM exit
      expect(isGone(bridge.pid)).toBe(true);
    });

    it('close() stops the JVM by PID and fails the call in flight', async () => {
      const c = client();
      const pid = await remember(c);
      const inFlight = jmxFailure(c.invoke(TEST_BEAN, 'sleep', [jmxArgs.long(5_000)]));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = Date.now();
      await c.close();
      console.log(`close() took ${Date.now() - started} ms`);
      expect(isGone(pid)).toBe(true);
      expect((await inFlight).kind).toBe('bridge');
      await expectJmxError(c.getAttribute(TEST_BEAN, 'Name'), 'bridge');
    });

    it('restarts the bridge after it dies', async () => {
      const c = client();
      const pid = await remember(c);
      const inFlight = jmxFailure(c.invoke(TEST_BEAN, 'sleep', [jmxArgs.long(5_000)]));
      await new Promise((resolve) => setTimeout(resolve, 100));
      process.kill(pid, 'SIGKILL');
      const error = await inFlight;
      expect(error.kind).toBe('bridge');
      expect(error.message).toContain('SIGKILL');
      expect(await c.getAttribute(TEST_BEAN, 'Count')).toBe(42);
      const second = await remember(c);
      expect(second).not.toBe(pid);
    });
  });

  describe('reconnect when the JMX server restarts', () => {
    let restartPort: number;
    let fixture: ManagedProcess;

    beforeAll(async () => {
      restartPort = await freePort();
      fixture = await startFixture(group, 'restarting-fixture', fixtureClasses, restartPort);
      fixtures.push(fixture);
    });

    async function restart(down: () => Promise<void> = async () => undefined): Promise<void> {
      // wait (bounded) until the old JVM has really exited: the new one binds the same port
      await group.kill(fixture, 'SIGKILL');
      await down();
      fixture = await startFixture(group, 'restarting-fixture', fixtureClasses, restartPort);
      fixtures.push(fixture);
    }

    it('reports connection while the server is down, and a read recovers once it is back', async () => {
      const c = client({ port: restartPort });
      expect(await c.getAttribute(TEST_BEAN, 'Count')).toBe(42);
      await remember(c);
      await restart(async () => {
        await expectJmxError(c.getAttribute(TEST_BEAN, 'Count'), 'connection');
        await expectJmxError(c.invoke(TEST_BEAN, 'echo', [jmxArgs.string('x')]), 'connection');
        expect((await c.ping()).connected).toBe(false);
      });
      // the first read after the restart retries once on a fresh connection and succeeds
      expect(await c.getAttribute(TEST_BEAN, 'Count')).toBe(42);
      expect((await c.ping()).connected).toBe(true);
    });

    it('a read right after a restart succeeds on the first try', async () => {
      const c = client({ port: restartPort });
      expect(await c.getAttribute(TEST_BEAN, 'Name')).toBe('fixture');
      await remember(c);
      await restart();
      expect(await c.queryNames('org.daedalus.test:type=TestService,*')).toEqual([TEST_BEAN]);
    });

    it('an invoke after a restart runs exactly once', async () => {
      // The server answers a call on the old connection with NoSuchObjectException: proof it never ran it.
      // Only then does the JDK connector reconnect and send it (once) to the new server.
      const c = client({ port: restartPort });
      expect(await c.getAttribute(TEST_BEAN, 'Name')).toBe('fixture');
      await remember(c);
      await restart();
      const snapshot = [jmxArgs.string('after-restart'), jmxArgs.map({}), jmxArgs.stringArray(['ks'])];
      expect(await c.invoke(TEST_BEAN, 'takeSnapshot', snapshot)).toBe('after-restart|{}|ks');
      const again = await expectJmxError(c.invoke(TEST_BEAN, 'takeSnapshot', snapshot), 'remote');
      expect(again.message).toContain('already exists');
    });

    it('an invoke in flight when the server dies fails with connection and is not re-sent', async () => {
      const c = client({ port: restartPort });
      expect(await c.getAttribute(TEST_BEAN, 'SleepCalls')).toBe(0);
      await remember(c);
      const inFlight = jmxFailure(c.invoke(TEST_BEAN, 'sleep', [jmxArgs.long(5_000)]));
      await waitFor('the sleep to start', async () => (await c.getAttribute(TEST_BEAN, 'SleepCalls')) === 1, 15_000, 50);
      await restart(async () => {
        const error = await inFlight;
        expect(error.kind).toBe('connection');
      });
      await new Promise((resolve) => setTimeout(resolve, 300)); // room for a re-send, were there one
      expect(await c.getAttribute(TEST_BEAN, 'SleepCalls')).toBe(0);
    });
  });
});
