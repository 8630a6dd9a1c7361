/**
 * Never a 5xx for bad input (#11): a property-based fuzz (fast-check) of the real gateway process, wired to a
 * real nats-server and a real node agent on a simulated Cassandra node (no coordinator: accepted operations
 * stay PENDING, nothing runs). Every request type of the registry, every endpoint and query parameter, hostile
 * bodies, headers and methods: no answer is 5xx, every 4xx names a field/parameter/header in
 * `errors: [{field, message}]`, and known-good requests still succeed. Then one regression test per cause the
 * issue lists. Seed: FUZZ_SEED (printed); the number of requests sent is printed too. Requires `npm run build`.
 */
import { mkdirSync } from 'node:fs';
import { request as httpRequest, Agent } from 'node:http';
import { join } from 'node:path';
import fc from 'fast-check';
import { OPERATION_REQUEST_TYPES } from '@daedalus/contracts';
import { DaedalusSystem } from '../support/system';
import { testTempRoot } from '../support/processes';

const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
const HOSTILE_RUNS = 900;
const GOOD_RUNS = 120;
const KEYSPACE = 'fz';
const TABLES = ['t1', 't2'];
/** Every path a GET reads, answering 200 on a healthy system. */
const READ_PATHS = [
  '/operations',
  '/topology',
  '/nodes',
  '/status',
  '/version',
  '/version/sidecar',
  '/version/cassandra',
  '/version/schema',
  '/healthz',
];

interface Sent {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json?: { errors?: Array<{ field?: unknown; message?: unknown }> } & Record<string, unknown>;
}

describe('gateway fuzz: no 5xx, every 4xx names a field (real gateway, NATS, agent)', () => {
  let system: DaedalusSystem;
  let base: URL;
  let backupsRoot: string;
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  let sent = 0;
  const statuses = new Map<number, number>();

  beforeAll(async () => {
    system = await DaedalusSystem.start({ nodes: 1, coordinators: 0, agentArgs: ['--enable-truncate'] });
    base = new URL(system.gatewayUrl);
    await system.createTables(KEYSPACE, TABLES);
    backupsRoot = join(system.baseDir, 'backups');
    mkdirSync(join(backupsRoot, 'bucket'), { recursive: true });
  }, 180_000);

  afterAll(async () => {
    agent.destroy();
    const byStatus = [...statuses.entries()].sort(([a], [b]) => a - b).map(([status, count]) => `${status}: ${count}`);
    console.log(`gateway fuzz: ${sent} HTTP requests sent (seed ${SEED}); answers ${byStatus.join(', ')}`);
    await system?.stop();
  }, 60_000);

  /** Raw HTTP, so any method, header and body bytes can be sent (fetch refuses some of them). */
  function send(request: Sent): Promise<Answer> {
    sent += 1;
    const body = request.body === undefined ? undefined : Buffer.from(request.body);
    const headers: Record<string, string> = { ...(request.headers ?? {}) };
    if (body) headers['content-length'] = String(body.length);
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        { host: base.hostname, port: base.port, method: request.method, path: request.path, headers, agent, timeout: 30_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: Answer['json'];
            try {
              json = text ? (JSON.parse(text) as Answer['json']) : undefined;
            } catch {
              json = undefined;
            }
            statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${request.method} ${request.path}: no answer in 30 s`)));
      req.on('error', reject);
      if (body) req.write(body);
      req.end();
    });
  }

  function postJson(body: unknown): Promise<Answer> {
    return send({ method: 'POST', path: '/operations', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  }

  /** The properties every answer must have. */
  function checkAnswer(request: Sent, answer: Answer): void {
    const shown = `${request.method} ${request.path} ${JSON.stringify(request.headers ?? {})} ${String(request.body ?? '').slice(0, 300)}`;
    if (answer.status >= 500) throw new Error(`${answer.status} for ${shown}: ${answer.text.slice(0, 500)}`);
    // a HEAD answer has no body by definition: nothing can be named in it
    if (answer.status >= 400 && request.method !== 'HEAD') {
      const errors = answer.json?.errors;
      const named = Array.isArray(errors) && errors.length > 0 && errors.every((e) => typeof e.field === 'string' && e.field.trim() !== '');
      if (!named) throw new Error(`${answer.status} names no field for ${shown}: ${answer.text.slice(0, 500)}`);
      if (answer.status === 405 && !answer.headers.allow) throw new Error(`405 without Allow for ${shown}`);
    }
  }

  // ------------------------------------------------------------------ generators

  const types = Object.keys(OPERATION_REQUEST_TYPES);
  const uuid = fc.uuid();
  const controlText = fc.constantFrom('a\nb', 'dc1\r\n2026-11-30 ERROR forged', '\u0000', 'x\u2028y', '\u001b[31mred');

  function nested(depth: number, leaf: unknown = 1): unknown {
    let value: unknown = leaf;
    for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { a: value } : [value];
    return value;
  }

  /** Values a client might send for any field: valid ones of many fields, wrong types, hostile shapes. */
  const anyValue: fc.Arbitrary<unknown> = fc.oneof(
    fc.constantFrom(
      KEYSPACE,
      'fz.t1',
      'fz.t1,fz.t2',
      '__proto__.x',
      'constructor.x',
      'toString',
      '__proto__',
      'PT1H',
      '2 HOURS',
      'dc1',
      'file:///tmp/nowhere/bucket/c/dc1/n',
      's3://',
      '/var/lib/cassandra/import',
      '../../etc',
      'true',
      'FALSE',
      '12',
      '-1',
      '',
      null,
      true,
      0,
      1e308,
      -0.5,
      [],
      {},
      [{}],
      { value: 10, unit: 'MBPS' },
      { enabled: true, interval: 5, strategy: 'linear', maxAttempts: 3 },
      { 'fz.t1': 'fz.t2' },
      [{ start: '1', end: '2' }],
    ),
    controlText,
    uuid,
    uuid.map((u) => u.toUpperCase()),
    fc.string({ maxLength: 60 }),
    fc.string({ unit: 'binary', maxLength: 30 }),
    fc.integer(),
    fc.jsonValue({ maxDepth: 3 }),
    // deeper bodies are sent as text (rawBody): JSON.stringify itself overflows the stack near 6,000 levels
    fc.integer({ min: 20, max: 1_000 }).map((depth) => nested(depth)),
    fc
      .constantFrom('__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'valueOf')
      .map((key) => JSON.parse(`{"${key}":{"polluted":true}}`) as unknown),
  );

  const fieldNames = fc.constantFrom(
    ...[
      'id',
      'hostId',
      'address',
      'dc',
      'globalRequest',
      'keyspace',
      'table',
      'tables',
      'jobs',
      'storageLocation',
      'snapshotTag',
      'entities',
      'rename',
      'duration',
      'bandwidth',
      'retry',
      'proxySettings',
      'import',
      'sourceDir',
      'tablePath',
      'specificTokens',
      'specificSources',
      'sourceDC',
      'restorationStrategyType',
      'restorationPhase',
      'dataDirs',
      'timeout',
      'concurrentConnections',
      'force',
      'lastN',
      'olderThan',
      'unknownField',
      '__proto__',
      'constructor',
    ],
  );

  const operationBody: fc.Arbitrary<unknown> = fc.oneof(
    fc
      .tuple(
        fc.oneof(
          fc.constantFrom(...types),
          fc.constantFrom(...types).map((t) => t.toUpperCase()),
          fc.string({ maxLength: 20 }),
        ),
        fc.array(fc.tuple(fieldNames, anyValue), { maxLength: 5 }),
      )
      .map(([type, fields]) => {
        const body: Record<string, unknown> = { type };
        for (const [name, value] of fields) Object.defineProperty(body, name, { value, enumerable: true, writable: true });
        return body;
      }),
    anyValue,
  );

  /** Raw bytes some clients (or attackers) send: not JSON, deeply nested JSON text, odd encodings. */
  const rawBody = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.integer({ min: 1_000, max: 60_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
    fc
      .integer({ min: 1_000, max: 20_000 })
      .map((depth) => '{"type":"restore","rename":'.concat('{"a":'.repeat(depth), '1', '}'.repeat(depth), '}')),
    fc.constant('{"type":"flush","keyspace":"fz"'),
    fc.constant('\u00ff\u00fe{}'),
  );

  const contentHeaders = fc.record(
    {
      'content-type': fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'application/json; charset=latin1',
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/vnd.icarus+json',
        'multipart/form-data; boundary=x',
      ),
      'content-encoding': fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-unknown'),
      'idempotency-key': fc.oneof(
        fc.string({ minLength: 1, maxLength: 40 }).filter((k) => /^[\x21-\x7e]+$/.test(k)),
        uuid,
      ),
    },
    { requiredKeys: [] },
  );

  const queryValue = fc.oneof(
    fc.constantFrom(...types),
    fc.constantFrom('PENDING', 'running', 'FAILED,COMPLETED', 'nope'),
    fc.string({ maxLength: 20 }),
    controlText,
  );
  const queryPart = fc
    .tuple(
      fc.constantFrom('type', 'state', 'status', 'type[x]', 'state[]', 'storageLocation', 'lastN', 'fromTimestamp', 'other', '__proto__'),
      queryValue,
    )
    .map(([name, value]) => `${encodeURIComponent(name).replace('%5B', '[').replace('%5D', ']')}=${encodeURIComponent(value)}`);
  const query = fc.array(queryPart, { maxLength: 4 }).map((parts) => (parts.length > 0 ? `?${parts.join('&')}` : ''));

  const storageLocation = fc.oneof(
    fc.constant(`file://${'/tmp/daedalus-fuzz-missing'}/bucket`),
    fc.constantFrom('s3://', 'gcp://', 'file://relative/bucket', 'ftp://x/y', '', 'file:///a/b\n/c'),
    fc.string({ maxLength: 40 }).map((s) => `file:///${s.replace(/[^A-Za-z0-9/_.-]/g, '')}`),
    fc.string({ maxLength: 40 }),
  );

  const idSegment = fc.oneof(
    uuid,
    uuid.map((u) => u.toUpperCase()),
    fc.string({ maxLength: 40 }).map((s) => encodeURIComponent(s)),
    fc.constantFrom('..', '%2e%2e', '%00', '__proto__', 'constructor'),
  );

  const hostileRequest: fc.Arbitrary<Sent> = fc.oneof(
    fc.tuple(operationBody, contentHeaders).map(([body, headers]) => ({
      method: 'POST',
      path: '/operations',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body) ?? 'null',
    })),
    operationBody.map((body) => ({
      method: 'POST',
      path: '/operations',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body) ?? 'null',
    })),
    fc.tuple(rawBody, contentHeaders).map(([body, headers]) => ({ method: 'POST', path: '/operations', headers, body })),
    query.map((q) => ({ method: 'GET', path: `/operations${q}` })),
    fc
      .tuple(fc.constantFrom('GET', 'DELETE', 'POST'), idSegment, fc.constantFrom('', '/resume'))
      .map(([method, id, suffix]) => ({ method, path: `/operations/${id}${method === 'POST' ? '/resume' : suffix}` })),
    fc
      .tuple(storageLocation, query)
      .map(([location, q]) => ({ method: 'GET', path: `/backups?storageLocation=${encodeURIComponent(location)}${q.replace('?', '&')}` })),
    query.map((q) => ({ method: 'GET', path: `/backups${q}` })),
    fc
      .tuple(fc.constantFrom('GET', 'DELETE'), fc.oneof(idSegment, fc.constantFrom('__proto__', '%0a', 'constructor')))
      .map(([method, hostId]) => ({ method, path: `/nodes/${hostId}` })),
    fc.oneof(fc.constantFrom('dc1', 'DC1', 'nodc', '%0a', '__proto__'), fc.string({ maxLength: 20 }).map(encodeURIComponent)).map((dc) => ({
      method: 'GET',
      path: `/topology/${dc}`,
    })),
    fc
      .tuple(
        fc.constantFrom('GET', 'PUT', 'PATCH', 'DELETE', 'POST', 'HEAD', 'OPTIONS'),
        fc.constantFrom(...READ_PATHS, '/backups', '/nodes/x', '/asyncapi.json', '/nowhere', '/operations/x/y/z'),
      )
      .map(([method, path]) => ({ method, path })),
  );

  // ------------------------------------------------------------------ known-good requests

  const goodOperation: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
    fc
      .tuple(fc.constantFrom('flush', 'cleanup', 'scrub', 'upgradesstables'), fc.subarray(TABLES), fc.boolean())
      .map(([type, tables, global]) => ({ type, keyspace: KEYSPACE, tables, globalRequest: global })),
    fc
      .tuple(fc.constantFrom('refresh', 'truncate'), fc.constantFrom(...TABLES))
      .map(([type, table]) => ({ type: type.toUpperCase(), keyspace: KEYSPACE, table })),
    // within the directories the test agents allow (test/support/system.ts: the test temporary root)
    fc
      .constantFrom(...TABLES)
      .map((table) => ({ type: 'import', keyspace: KEYSPACE, table, sourceDir: join(testTempRoot(), 'fuzz-import') })),
    fc.constant({ type: 'rebuild', sourceDC: 'dc1' }),
    fc.constant({ type: 'drain' }),
    fc.constant({ type: 'decommission', force: 'false' }),
    fc
      .tuple(fc.constantFrom(KEYSPACE, `${KEYSPACE}.t1`, `${KEYSPACE}.t1,${KEYSPACE}.t2`), fc.constantFrom('PT1H', '2 hours', ''))
      .map(([entities, duration]) => ({
        type: 'backup',
        globalRequest: true,
        storageLocation: 's3://bucket',
        snapshotTag: 'nightly',
        entities,
        duration,
        dc: 'dc1',
        bandwidth: { value: '10', unit: 'mbps' },
        retry: { enabled: true, interval: 1, strategy: 'EXPONENTIAL', maxAttempts: 2 },
      })),
    fc.constant({
      type: 'restore',
      globalRequest: true,
      storageLocation: 's3://bucket',
      snapshotTag: 'nightly',
      entities: `${KEYSPACE}.t1`,
      rename: { [`${KEYSPACE}.t1`]: `${KEYSPACE}.t2` },
      restorationStrategyType: 'hardlinks',
      import: { type: 'import', keepLevel: true },
    }),
    fc.constant({ type: 'list', globalRequest: true, storageLocation: `file://${testTempRoot()}/fuzz-backups/bucket/c/dc1/n`, lastN: 3 }),
  );

  const goodRead = fc.constantFrom(
    ...READ_PATHS,
    '/operations?type=flush&type=backup',
    '/operations?type=flush,cleanup&state=PENDING&status=running',
    '/topology/dc1',
  );

  // ------------------------------------------------------------------ the properties

  it(`hostile requests (${HOSTILE_RUNS} runs): never a 5xx, every 4xx names a field`, async () => {
    await fc.assert(
      fc.asyncProperty(hostileRequest, async (request) => {
        checkAnswer(request, await send(request));
      }),
      { seed: SEED, numRuns: HOSTILE_RUNS, endOnFailure: true },
    );
  }, 300_000);

  it(`known-good requests (${GOOD_RUNS} runs) still succeed, whatever case the id is sent in`, async () => {
    await fc.assert(
      fc.asyncProperty(goodOperation, fc.boolean(), uuid, goodRead, async (body, upperId, id, read) => {
        const sentId = upperId ? id.toUpperCase() : id;
        const created = await postJson({ ...body, id: sentId });
        if (created.status !== 201) throw new Error(`${created.status} for ${JSON.stringify(body)}: ${created.text}`);
        expect(created.json?.id).toBe(id.toLowerCase());
        const fetched = await send({ method: 'GET', path: `/operations/${sentId}` });
        expect({ status: fetched.status, id: fetched.json?.id }).toEqual({ status: 200, id: id.toLowerCase() });
        const listed = await send({ method: 'GET', path: read });
        if (listed.status !== 200) throw new Error(`${listed.status} for GET ${read}: ${listed.text}`);
        const backups = await send({
          method: 'GET',
          path: `/backups?storageLocation=${encodeURIComponent(`file://${backupsRoot}/bucket`)}`,
        });
        expect({ status: backups.status, body: backups.json }).toEqual({ status: 200, body: [] });
      }),
      { seed: SEED, numRuns: GOOD_RUNS, endOnFailure: true },
    );
  }, 300_000);

  // ------------------------------------------------------------------ one regression test per cause in #11

  function fieldsOf(answer: Answer): string[] {
    return (answer.json?.errors ?? []).map((e) => String(e.field));
  }

  it.each(['gzip', 'deflate'])('Content-Encoding: %s on a plain body is 415 naming Content-Encoding', async (encoding) => {
    const answer = await send({
      method: 'POST',
      path: '/operations',
      headers: { 'content-type': 'application/json', 'content-encoding': encoding },
      body: JSON.stringify({ type: 'drain' }),
    });
    expect({ status: answer.status, fields: fieldsOf(answer) }).toEqual({ status: 415, fields: ['Content-Encoding'] });
  });

  it('nesting of 5,000 levels is 400 naming the field', async () => {
    const body = `{"type":"restore","storageLocation":"s3://b","snapshotTag":"s","rename":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}`;
    const answer = await send({ method: 'POST', path: '/operations', headers: { 'content-type': 'application/json' }, body });
    expect({ status: answer.status, fields: fieldsOf(answer) }).toEqual({ status: 400, fields: ['rename'] });
  });

  it('rename: {"constructor": ...} is 400 naming rename.constructor', async () => {
    const answer = await send({
      method: 'POST',
      path: '/operations',
      headers: { 'content-type': 'application/json' },
      body: '{"type":"restore","storageLocation":"s3://b","snapshotTag":"s","rename":{"constructor":"fz.t1"}}',
    });
    expect({ status: answer.status, fields: fieldsOf(answer) }).toEqual({ status: 400, fields: ['rename.constructor'] });
  });

  it.each(['__proto__.x', 'constructor.x', '__proto__', 'hasOwnProperty'])('entities: "%s" is 400 naming entities', async (entities) => {
    const answer = await postJson({ type: 'backup', globalRequest: true, storageLocation: 's3://b', entities });
    expect({ status: answer.status, fields: fieldsOf(answer) }).toEqual({ status: 400, fields: ['entities'] });
  });

  it('repeated query parameters are lists; a bracketed or unknown one is 400 naming it', async () => {
    const flush = await postJson({ type: 'flush', keyspace: KEYSPACE });
    const drain = await postJson({ type: 'drain' });
    expect([flush.status, drain.status]).toEqual([201, 201]);
    const listed = await send({ method: 'GET', path: '/operations?type=flush&type=drain&state=pending' });
    expect(listed.status).toBe(200);
    const found = listed.json as unknown as Array<{ id: string; type: string }>;
    expect(found.map((o) => o.id)).toEqual(expect.arrayContaining([flush.json?.id, drain.json?.id]));
    expect(new Set(found.map((o) => o.type))).toEqual(new Set(['flush', 'drain']));
    const object = await send({ method: 'GET', path: '/operations?type[a]=flush' });
    expect({ status: object.status, fields: fieldsOf(object) }).toEqual({ status: 400, fields: ['type[a]'] });
    const unknown = await send({ method: 'GET', path: '/operations?typo=flush' });
    expect({ status: unknown.status, fields: fieldsOf(unknown) }).toEqual({ status: 400, fields: ['typo'] });
  });

  it('GET /backups for a missing bucket is 404 naming storageLocation; a malformed location 400', async () => {
    const missing = await send({ method: 'GET', path: `/backups?storageLocation=${encodeURIComponent(`file://${backupsRoot}/nobucket`)}` });
    expect({ status: missing.status, fields: fieldsOf(missing) }).toEqual({ status: 404, fields: ['storageLocation'] });
    const malformed = await send({ method: 'GET', path: '/backups?storageLocation=s3%3A%2F%2F' });
    expect({ status: malformed.status, fields: fieldsOf(malformed) }).toEqual({ status: 400, fields: ['storageLocation'] });
    const twice = await send({ method: 'GET', path: '/backups?storageLocation=s3%3A%2F%2Fa&storageLocation=s3%3A%2F%2Fb' });
    expect({ status: twice.status, fields: fieldsOf(twice) }).toEqual({ status: 400, fields: ['storageLocation'] });
  });

  it.each(['bandwidth', 'retry', 'import'])('%s: [] is 400 naming it', async (field) => {
    const answer = await postJson({ type: 'restore', globalRequest: true, storageLocation: 's3://b', snapshotTag: 's', [field]: [] });
    expect({ status: answer.status, fields: fieldsOf(answer) }).toEqual({ status: 400, fields: [field] });
  });

  it.each([
    ['duration', 'PT1H\n2026-11-30 ERROR forged'],
    ['duration', 'whenever'],
    ['dc', 'dc1\r\nforged'],
    ['dc', 'dc1\u2028'],
  ])('%s %j is 400 naming it (no log forging)', async (field, value) => {
    const answer = await postJson({ type: 'backup', globalRequest: true, storageLocation: 's3://b', [field]: value });
    expect({ status: answer.status, fields: fieldsOf(answer) }).toEqual({ status: 400, fields: [field] });
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded'])('Content-Type %s is 415 naming Content-Type', async (type) => {
    const answer = await send({ method: 'POST', path: '/operations', headers: { 'content-type': type }, body: '{"type":"drain"}' });
    expect({ status: answer.status, fields: fieldsOf(answer) }).toEqual({ status: 415, fields: ['Content-Type'] });
  });

  it.each([
    ['PUT', '/operations', 'GET, HEAD, POST'],
    ['PATCH', `/operations/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`, 'DELETE, GET, HEAD'],
    ['POST', '/topology', 'GET, HEAD'],
    ['DELETE', '/backups', 'GET, HEAD'],
  ])('%s %s is 405 with Allow: %s', async (method, path, allow) => {
    const answer = await send({ method, path });
    expect({ status: answer.status, allow: answer.headers.allow, fields: fieldsOf(answer) }).toEqual({
      status: 405,
      allow,
      fields: ['method'],
    });
  });

  it('an unknown path is 404 naming the path; an unknown operation 404 naming the id', async () => {
    const path = await send({ method: 'GET', path: '/nowhere' });
    expect({ status: path.status, fields: fieldsOf(path) }).toEqual({ status: 404, fields: ['path'] });
    const op = await send({ method: 'GET', path: `/operations/${'A'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}` });
    expect({ status: op.status, fields: fieldsOf(op) }).toEqual({ status: 404, fields: ['id'] });
  });

  it('an operation submitted with an upper-case id is listed and fetchable by that id in any case', async () => {
    const id = 'ABCDEF01-2345-4678-89AB-CDEF01234567';
    const created = await postJson({ type: 'drain', id });
    expect({ status: created.status, id: created.json?.id }).toEqual({ status: 201, id: id.toLowerCase() });
    const listed = (await send({ method: 'GET', path: '/operations?type=drain' })).json as unknown as Array<{ id: string }>;
    expect(listed.map((o) => o.id)).toContain(id.toLowerCase());
    for (const asked of [id, id.toLowerCase()]) expect((await send({ method: 'GET', path: `/operations/${asked}` })).status).toBe(200);
  });
});
