import fc from 'fast-check';
import { MESSAGE_JSON_RULES, rawJsonProblem, REQUEST_JSON_RULES } from './raw-json-guard';
import { OPERATION_REQUEST_TYPES, parseOperationRequest, RequestValidationError } from './registry';

function nested(depth: number, leaf: unknown = 1): unknown {
  let value: unknown = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { a: value } : [value];
  return value;
}

describe('rawJsonProblem', () => {
  it('refuses nesting far deeper than any request needs, without recursing (100,000 levels)', () => {
    expect(rawJsonProblem({ type: 'restore', rename: nested(100_000) })).toEqual({
      field: 'rename',
      message: `rename is nested deeper than ${REQUEST_JSON_RULES.maxDepth} levels`,
    });
  });

  it('accepts the nesting real requests use', () => {
    expect(rawJsonProblem({ type: 'rebuild', specificTokens: [{ start: '1', end: '2' }], rename: { 'a.b': 'a.c' } })).toBeUndefined();
  });

  it.each(['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf'])('refuses the key %s at any depth', (key) => {
    const body = JSON.parse(`{"type":"restore","rename":{"${key}":"x"}}`) as unknown;
    expect(rawJsonProblem(body)).toEqual({ field: `rename.${key}`, message: `rename.${key}: "${key}" is not allowed as a key` });
  });

  it('refuses control characters in values and keys (log forging), naming the field', () => {
    expect(rawJsonProblem({ dc: 'dc1\n2026-01-01 ERROR forged' })?.field).toBe('dc');
    expect(rawJsonProblem({ dataDirs: ['/a', '/b\u2028'] })?.field).toBe('dataDirs[1]');
    expect(rawJsonProblem({ 'a\r\nb': 1 })?.field).toBe('"a\\r\\nb"');
  });
});

/** Any JSON a client could send, including the hostile shapes the guard exists for. */
const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.integer({ min: 17, max: 6_000 }).map((depth) => nested(depth)),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty').map((key) => JSON.parse(`{"${key}":{"a":1}}`) as unknown),
  fc.constant([]),
  fc.string({ unit: 'binary' }),
);

describe('parseOperationRequest under fuzz', () => {
  it('only ever throws RequestValidationError naming fields, for any body of any type', () => {
    const types = Object.keys(OPERATION_REQUEST_TYPES);
    const fields = [
      'bandwidth',
      'retry',
      'import',
      'rename',
      'proxySettings',
      'entities',
      'dc',
      'duration',
      'id',
      'hostId',
      'tables',
      'keyspace',
      'specificTokens',
      'storageLocation',
      'snapshotTag',
      'dataDirs',
    ];
    fc.assert(
      fc.property(fc.constantFrom(...types), fc.dictionary(fc.constantFrom(...fields), hostileJson, { maxKeys: 4 }), (type, extra) => {
        try {
          parseOperationRequest({ type, ...extra });
        } catch (error) {
          expect(error).toBeInstanceOf(RequestValidationError);
          const { errors } = error as RequestValidationError;
          expect(errors.length).toBeGreaterThan(0);
          for (const e of errors) expect(e.field).toMatch(/\S/);
        }
      }),
      { numRuns: 3_000, seed: 11 },
    );
  });

  it.each([
    ['bandwidth', { type: 'backup', storageLocation: 'file:///b/bucket/c/d/n', bandwidth: [] }],
    ['retry', { type: 'backup', storageLocation: 'file:///b/bucket/c/d/n', retry: [] }],
    ['import', { type: 'restore', storageLocation: 'file:///b/bucket/c/d/n', snapshotTag: 's', import: [] }],
    ['specificTokens', { type: 'rebuild', keyspace: 'ks', specificTokens: [[]] }],
  ])('refuses an array where %s must be an object', (field, body) => {
    expect(() => parseOperationRequest(body)).toThrow(RequestValidationError);
    try {
      parseOperationRequest(body);
    } catch (error) {
      expect((error as RequestValidationError).errors.map((e) => e.field)).toContain(field);
    }
  });

  it('validates duration and dc', () => {
    const base = { type: 'backup', storageLocation: 'file:///b/bucket/c/d/n' };
    expect(parseOperationRequest({ ...base, duration: 'PT2H', dc: 'us-east-1' })).toMatchObject({ duration: 'PT2H', dc: 'us-east-1' });
    expect(parseOperationRequest({ ...base, duration: '2 HOURS' })).toMatchObject({ duration: '2 HOURS' });
    for (const [field, value] of [
      ['duration', 'forever'],
      ['dc', ' dc1'],
      ['dc', 'dc\u00e9'],
    ]) {
      expect(() => parseOperationRequest({ ...base, [field]: value })).toThrow(new RegExp(field));
    }
  });

  it('normalises operation and host ids to lower case', () => {
    const id = 'A1B2C3D4-1111-4111-8111-ABCDEFABCDEF';
    expect(parseOperationRequest({ type: 'drain', id, hostId: id })).toMatchObject({ id: id.toLowerCase(), hostId: id.toLowerCase() });
  });
});

describe('rawJsonProblem with the message rules', () => {
  const nested = (depth: number): unknown => JSON.parse('{"a":'.repeat(depth) + '1' + '}'.repeat(depth));
  const check = (value: unknown, root = 'body') => rawJsonProblem(value, MESSAGE_JSON_RULES, root);

  it('accepts what messages carry: error text with line breaks, Cassandra names that objects also have', () => {
    expect(check({ error: 'line one\nline two', keyspaces: { toString: ['t'], valueOf: [] } })).toBeUndefined();
    expect(check(nested(MESSAGE_JSON_RULES.maxDepth - 1))).toBeUndefined();
  });

  it('names the top-level field of a value nested too deep, at any depth, and the root for a bare array', () => {
    expect(check({ type: 'flush', tables: nested(5_000) })).toEqual({
      field: 'tables',
      message: `tables is nested deeper than ${MESSAGE_JSON_RULES.maxDepth} levels`,
    });
    expect(check(JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)), 'request')).toMatchObject({ field: 'request' });
  });

  it.each([
    ['{"rename":{"constructor":"x"}}', 'rename.constructor'],
    ['{"__proto__":{"globalRequest":true}}', '__proto__'],
    ['{"dcs":[{"prototype":1}]}', 'dcs[0].prototype'],
  ])('refuses a key that reaches a prototype, naming its path: %s', (json, field) => {
    expect(check(JSON.parse(json))).toEqual({ field, message: expect.stringContaining(`${field}: "`) });
  });

  it('names the first problem in field order', () => {
    expect(check({ a: { constructor: 1 }, b: { prototype: 1 } })).toMatchObject({ field: 'a.constructor' });
  });
});
