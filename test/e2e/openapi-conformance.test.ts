/**
 * Every endpoint and every operation type answered for real (2 simulated nodes, the gateway as node 1's
 * sidecar), each answer held (a) against the schema our served /openapi.json gives for that path, method and
 * status, and (b) against Icarus's published schema where Icarus has one (test/icarus/icarus-schemas.json),
 * with the deliberate differences listed in ICARUS_DIFFERENCES.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IMPLEMENTED_OPERATION_TYPES, OPERATION_REQUEST_TYPES, OperationType } from '@daedalus/contracts';
import { newToken } from '../../apps/gateway/src/auth/token-file';
import { makeTempDir, removeDir } from '../support/processes';
import { DaedalusSystem, HttpResult, OperationView } from '../support/system';
import { Components, SchemaNode, schemaProblems } from '../support/schema-check';

const ICARUS: Components = JSON.parse(readFileSync(join(__dirname, '..', 'icarus', 'icarus-schemas.json'), 'utf8')) as Components;

/**
 * Where Daedalus departs from Icarus's published schemas on purpose, each applied to an answer before it is
 * held against Icarus's schema:
 * - `progress` is a JSON number: Icarus itself sends a number (its Jackson bean is a float); the spec says a
 *   string, and a client decoding a string would fail against Icarus too.
 * - Errors of an operation are `{source, message}` without `throwable`: stack traces stay in the logs.
 * - Daedalus adds fields (`nodes`, `source`, `asOf`, `operationMode`, `alive`, …): Icarus clients ignore them.
 * - 4xx bodies are `{statusCode, error, message, errors: [{field, message}]}` (Nest's shape plus the fields at
 *   fault); Icarus's spec gives no error body schema, so there is nothing to hold them against.
 */
const ICARUS_DIFFERENCES: Record<string, (view: Record<string, unknown>) => Record<string, unknown>> = {
  progress: (view) => ('progress' in view ? { ...view, progress: String(view.progress) } : view),
};

/** The Icarus schema of each endpoint that Icarus has (Daedalus's /nodes, /backups and /config have none). */
const ICARUS_SCHEMA_OF: Record<string, string> = {
  'GET /version': 'SidecarVersion',
  'GET /version/sidecar': 'SidecarVersion',
  'GET /version/cassandra': 'CassandraVersion',
  'GET /version/schema': 'CassandraSchemaVersion',
  'GET /status': 'CassandraStatus',
  'GET /topology': 'ClusterTopology',
  'GET /topology/{dc}': 'ClusterTopology',
  'POST /operations': 'BaseOperation',
  'GET /operations/{id}': 'BaseOperation',
  'GET /operations': 'BaseOperation',
  'DELETE /operations/{id}': 'BaseOperation',
  'POST /operations/{id}/resume': 'BaseOperation',
};

interface Recorded {
  route: string;
  status: number;
  body: unknown;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
  components: { schemas: Record<string, unknown> };
}

/** Schemas whose objects carry more than they declare: an operation flattens its request's fields beside its own. */
const OPEN_SCHEMAS = new Set(['OperationView']);

/**
 * Fields an answer carries that its served schema does not declare (the served document must describe what is
 * sent, not only part of it); declared fields are followed into nested objects and arrays.
 */
function undocumentedFields(value: unknown, schema: SchemaNode, components: Components, path: string): string[] {
  const name = schema.$ref;
  const resolved = name ? components[name] : schema;
  if (!resolved || value === null || typeof value !== 'object') return [];
  if (Array.isArray(value)) {
    return resolved.items
      ? value.flatMap((item, i) => undocumentedFields(item, resolved.items as SchemaNode, components, `${path}[${i}]`))
      : [];
  }
  if (!resolved.properties) return [];
  const declared = resolved.properties;
  return Object.entries(value as Record<string, unknown>).flatMap(([field, sub]) => {
    if (field in declared) return undocumentedFields(sub, declared[field], components, `${path}.${field}`);
    return name && OPEN_SCHEMAS.has(name) ? [] : [`${path}.${field}: not in the served schema`];
  });
}

/** OpenAPI `$ref: '#/components/schemas/X'` becomes the checker's `$ref: 'X'`. */
function localRefs<T>(value: T): T {
  return JSON.parse(JSON.stringify(value).replaceAll('"#/components/schemas/', '"')) as T;
}

describe('OpenAPI conformance: every endpoint and operation type, recorded live', () => {
  let system: DaedalusSystem;
  let storeRoot: string;
  let authDir: string;
  let location: string;
  let served: OpenApiDocument;
  let servedSchemas: Components;
  const recorded: Recorded[] = [];

  // API tokens rather than anonymous access, so that 401 and 403 are answered too
  const admin = newToken('conformance-admin', 'admin');
  const viewer = newToken('conformance-viewer', 'viewer');

  async function record(
    method: string,
    path: string,
    route: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<HttpResult> {
    const answer = await system.request(method, path, body, headers);
    recorded.push({ route: `${method} ${route}`, status: answer.status, body: answer.body });
    return answer;
  }

  async function submit(body: Record<string, unknown>): Promise<OperationView> {
    const created = await record('POST', '/operations', '/operations', body);
    expect([201, 400]).toContain(created.status);
    if (created.status !== 201) throw new Error(`refused: ${JSON.stringify(created.body)}`);
    const done = await system.waitForOperation((created.body as OperationView).id, undefined, 40_000);
    await record('GET', `/operations/${done.id}`, '/operations/{id}');
    return done;
  }

  beforeAll(async () => {
    storeRoot = makeTempDir('openapi-store');
    location = `file://${storeRoot}/bucket`;
    authDir = makeTempDir('openapi-auth');
    const tokensFile = join(authDir, 'api-tokens');
    writeFileSync(tokensFile, `${admin.line}\n${viewer.line}\n`);
    system = await DaedalusSystem.start({
      nodes: 2,
      coordinators: 1,
      gatewayAuth: { anonymousRole: false, token: admin.token },
      gatewayArgs: ['--local-node', 'auto', '--api-tokens-file', tokensFile],
      agentArgs: ['--enable-truncate'],
    });
    await system.createTables('shop', ['orders'], 20);
    served = (await system.get('/openapi.json')).body as OpenApiDocument;
    servedSchemas = localRefs(served.components.schemas) as Components;
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
    if (storeRoot) removeDir(storeRoot);
    if (authDir) removeDir(authDir);
  }, 60_000);

  it('records an answer of every operation type and every endpoint', async () => {
    const [first, second] = system.nodes;
    const keyspace = { keyspace: 'shop', globalRequest: true };
    const table = { keyspace: 'shop', table: 'orders', globalRequest: true };
    const bodies: Array<Record<string, unknown>> = [
      { type: 'flush', ...keyspace },
      { type: 'cleanup', ...keyspace },
      { type: 'scrub', ...keyspace },
      { type: 'upgradesstables', ...keyspace },
      { type: 'refresh', ...table },
      { type: 'import', keyspace: 'shop', table: 'orders', hostId: first.hostId, sourceDir: join(storeRoot, 'no-such-dir') },
      { type: 'rebuild', sourceDC: 'dc1', hostId: second.hostId },
      { type: 'backup', storageLocation: location, snapshotTag: 'conformance', createMissingBucket: true, globalRequest: true },
      { type: 'list', storageLocation: location, hostId: first.hostId },
      // archiving is off on these nodes (no archive directory) and Cassandra runs: both FAIL, an answer too
      { type: 'commitlog-backup', storageLocation: location, globalRequest: true },
      { type: 'commitlog-restore', storageLocation: location, hostId: first.hostId, timestampEnd: 1_764_000_000_000 },
    ];
    const outcomes = new Map<string, OperationView>();
    for (const body of bodies) outcomes.set(String(body.type), await submit(body));
    expect(outcomes.get('flush')?.state).toBe('COMPLETED');
    expect(outcomes.get('import')?.state).toBe('FAILED'); // no such sourceDir: a FAILED record is an answer too
    const backup = outcomes.get('backup');
    expect(backup?.state).toBe('COMPLETED');
    outcomes.set(
      'restore',
      await submit({
        type: 'restore',
        storageLocation: location,
        snapshotTag: 'conformance',
        entities: 'shop.orders',
        globalRequest: true,
        restorationStrategyType: 'HARDLINKS',
      }),
    );

    // a restore's dry run answers its plan the same way (recorded against the same schemas)
    const dryRun = await submit({
      type: 'restore',
      storageLocation: location,
      snapshotTag: 'conformance',
      globalRequest: true,
      dryRun: true,
    });
    expect(dryRun.state).toBe('COMPLETED');
    expect(Object.keys((dryRun.response as { PLAN: Record<string, unknown> }).PLAN).sort()).toEqual(
      system.nodes.map((n) => n.hostId).sort(),
    );

    outcomes.set('truncate', await submit({ type: 'truncate', ...table }));
    const backupName = (Object.values((backup?.response as { UPLOAD: Record<string, { backupName: string }> }).UPLOAD)[0] ?? {}).backupName;
    outcomes.set('verify', await submit({ type: 'verify', storageLocation: location, backupName, mode: 'full', globalRequest: true }));
    expect(outcomes.get('verify')?.state).toBe('COMPLETED');
    // a dry run: the plan of removing the oldest backup, nothing changed (the restore above used it)
    outcomes.set(
      'remove-backup',
      await submit({ type: 'remove-backup', storageLocation: location, globalRequest: true, removeOldest: true, dry: true }),
    );
    expect(outcomes.get('remove-backup')?.state).toBe('COMPLETED');

    expect(outcomes.get('restore')?.state).toBe('COMPLETED');

    // the endpoints
    await record('GET', '/operations', '/operations');
    await record('GET', '/operations?type=flush&state=COMPLETED', '/operations');
    await record('GET', '/version', '/version');
    await record('GET', '/version/sidecar', '/version/sidecar');
    await record('GET', '/version/cassandra', '/version/cassandra');
    await record('GET', '/version/schema', '/version/schema');
    await record('GET', '/status', '/status');
    await record('GET', '/topology', '/topology');
    await record('GET', '/topology/dc1', '/topology/{dc}');
    await record('GET', '/config', '/config');
    await record('GET', '/nodes', '/nodes');
    await record('GET', `/backups?storageLocation=${encodeURIComponent(location)}`, '/backups');

    // a resume of an operation that is no restore (409), a cancel of one running (202), the 4xx answers
    await record('POST', `/operations/${outcomes.get('flush')?.id}/resume`, '/operations/{id}/resume');
    const slow = await record('POST', '/operations', '/operations', {
      type: 'backup',
      storageLocation: location,
      snapshotTag: 'cancelled',
      globalRequest: true,
    });
    await record('DELETE', `/operations/${(slow.body as OperationView).id}`, '/operations/{id}');
    await system.waitForOperation((slow.body as OperationView).id, undefined, 40_000);
    await record('GET', '/operations/00000000-0000-4000-8000-000000000000', '/operations/{id}');
    await record('POST', '/operations', '/operations', { type: 'flush', keyspace: 7 });
    await record('POST', '/operations', '/operations', { type: 'commitlog-backup' });
    await record('GET', '/backups', '/backups');
    // the event streams' refusals (their 200 is text/event-stream, proven in operation-events.test.ts)
    await record('GET', '/operations/00000000-0000-4000-8000-000000000000/events', '/operations/{id}/events');
    await record('GET', '/events?type=nonsense', '/events');
    // schedules: defined, read, changed, refused (400, 404), deleted; their firing is test/e2e/schedules.test.ts
    const schedule = { request: { type: 'flush', keyspace: 'shop' }, schedule: '@every 1h', suspended: true };
    expect((await record('POST', '/schedules', '/schedules', { ...schedule, id: 'conformance' })).status).toBe(201);
    expect((await record('POST', '/schedules', '/schedules', { ...schedule, schedule: '@fortnightly' })).status).toBe(400);
    await record('GET', '/schedules', '/schedules');
    await record('GET', '/schedules/conformance', '/schedules/{id}');
    expect((await record('PUT', '/schedules/conformance', '/schedules/{id}', { ...schedule, schedule: '@daily' })).status).toBe(200);
    expect((await record('GET', '/schedules/nothing-here', '/schedules/{id}')).status).toBe(404);
    expect((await record('DELETE', '/schedules/conformance', '/schedules/{id}')).status).toBe(204);
    // Alertmanager's webhook: a notification of one of Daedalus's alerts queued (202), a foreign one refused (400)
    const notification = {
      version: '4',
      groupKey: '{}:{alertname="DaedalusDeadLettersGrowing"}',
      status: 'firing',
      receiver: 'daedalus',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'DaedalusDeadLettersGrowing', severity: 'warning' },
          annotations: { summary: 'dead letters grow' },
          startsAt: '2026-11-30T19:00:00Z',
          endsAt: '0001-01-01T00:00:00Z',
          fingerprint: 'c0ffee',
        },
      ],
    };
    expect((await record('POST', '/alerts/alertmanager', '/alerts/alertmanager', notification)).status).toBe(202);
    const foreign = { ...notification, alerts: [{ ...notification.alerts[0], labels: { alertname: 'Other' } }] };
    expect((await record('POST', '/alerts/alertmanager', '/alerts/alertmanager', foreign)).status).toBe(400);
    const refused = await record(
      'POST',
      '/operations',
      '/operations',
      { type: 'flush', keyspace: 'shop' },
      { authorization: `Bearer ${viewer.token}` },
    );
    expect(refused.status).toBe(403);
    expect((await record('GET', '/nodes', '/nodes', undefined, { authorization: 'Bearer dae_not-a-token' })).status).toBe(401);
    await record('DELETE', `/nodes/${first.hostId}`, '/nodes/{hostId}');
    await record('DELETE', '/nodes/00000000-0000-4000-8000-00000000dead', '/nodes/{hostId}');

    // last, the operations that take a node out: node 2 leaves the ring, node 1 drains
    outcomes.set('decommission', await submit({ type: 'decommission', hostId: second.hostId, force: true }));
    outcomes.set('drain', await submit({ type: 'drain', hostId: first.hostId }));

    expect(outcomes.get('decommission')?.state).toBe('COMPLETED');
    expect(outcomes.get('drain')?.state).toBe('COMPLETED');
    const implemented = (Object.keys(OPERATION_REQUEST_TYPES) as OperationType[]).filter((t) => IMPLEMENTED_OPERATION_TYPES.has(t));
    expect([...outcomes.keys()].sort()).toEqual([...implemented].sort());
    // every endpoint of the served document was answered
    const answered = new Set(recorded.map((r) => r.route));
    const documented = Object.entries(served.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));
    expect(documented.filter((route) => !answered.has(route) && route !== 'GET /healthz')).toEqual([]);
  }, 240_000);

  it('every recorded answer conforms to the schema the served OpenAPI gives for its path, method and status', () => {
    expect(recorded.length).toBeGreaterThan(30);
    const problems: string[] = [];
    for (const { route, status, body } of recorded) {
      const [method, path] = route.split(' ');
      const response = served.paths[path]?.[method.toLowerCase()]?.responses[String(status)];
      if (!response) {
        problems.push(`${route} ${status}: not documented`);
        continue;
      }
      const content = response.content ?? {};
      const [mediaType] = Object.keys(content);
      if (body === undefined || body === '') {
        if (mediaType) problems.push(`${route} ${status}: empty, documented as ${mediaType}`);
        continue;
      }
      if (!mediaType) {
        problems.push(`${route} ${status}: a body where none is documented`);
        continue;
      }
      const schema = localRefs(content[mediaType].schema) as SchemaNode;
      problems.push(...schemaProblems(body, schema, servedSchemas, `${route} ${status}`));
      problems.push(...undocumentedFields(body, schema, servedSchemas, `${route} ${status}`));
    }
    expect(problems).toEqual([]);
  });

  it("every recorded answer Icarus has a schema for conforms to Icarus's, but for the listed differences", () => {
    const problems: string[] = [];
    let checked = 0;
    for (const { route, status, body } of recorded) {
      const name = ICARUS_SCHEMA_OF[route];
      if (!name || status >= 400) continue;
      for (const item of Array.isArray(body) ? body : [body]) {
        const adjusted = Object.values(ICARUS_DIFFERENCES).reduce((v, fix) => fix(v), item as Record<string, unknown>);
        problems.push(...schemaProblems(adjusted, { $ref: name }, ICARUS, `${route} ${status}`));
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(25);
    expect(problems).toEqual([]);
  });

  it('documents the answers of every operation type, FAILED ones included', () => {
    const states = recorded
      .filter((r) => r.route === 'GET /operations/{id}' && r.status === 200)
      .map((r) => `${(r.body as OperationView & { type: string }).type}:${(r.body as OperationView).state}`);
    expect(states.length).toBeGreaterThanOrEqual(IMPLEMENTED_OPERATION_TYPES.size);
  });
});
