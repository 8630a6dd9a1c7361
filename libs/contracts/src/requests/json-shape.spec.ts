import { jsonShapeProblem, MAX_JSON_DEPTH } from './json-shape';

const nested = (depth: number): unknown => JSON.parse('{"a":'.repeat(depth) + '1' + '}'.repeat(depth));

describe('jsonShapeProblem', () => {
  it('accepts what a request looks like, and scalars', () => {
    expect(jsonShapeProblem({ type: 'restore', rename: { 'ks.t1': 'ks.t2' }, dcs: ['dc1'], retry: { maxAttempts: 3 } })).toBeUndefined();
    expect(jsonShapeProblem('text')).toBeUndefined();
    expect(jsonShapeProblem(null)).toBeUndefined();
    expect(jsonShapeProblem(nested(MAX_JSON_DEPTH - 1))).toBeUndefined();
  });

  it('names the top-level field of a value nested too deep, at any depth without overflowing the stack', () => {
    expect(jsonShapeProblem({ type: 'flush', tables: nested(5_000) })).toEqual({
      field: 'tables',
      message: `tables is nested more than ${MAX_JSON_DEPTH} levels deep`,
    });
    expect(jsonShapeProblem(JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)))).toMatchObject({ field: 'body' });
    expect(jsonShapeProblem(nested(4), 3)).toMatchObject({ field: 'a' });
    expect(jsonShapeProblem(nested(3), 3)).toBeUndefined();
  });

  it.each([
    ['{"rename":{"constructor":"x"}}', 'rename.constructor'],
    ['{"__proto__":{"globalRequest":true}}', '__proto__'],
    ['{"dcs":[{"prototype":1}]}', 'dcs.0.prototype'],
  ])('refuses a prototype key, naming its path: %s', (json, field) => {
    expect(jsonShapeProblem(JSON.parse(json))).toEqual({ field, message: expect.stringContaining(`${field}: "`) });
  });

  it('names the first problem in field order', () => {
    expect(jsonShapeProblem({ a: { constructor: 1 }, b: { prototype: 1 } })).toMatchObject({ field: 'a.constructor' });
  });

  it('accepts prototype words as values and within longer keys', () => {
    expect(jsonShapeProblem({ keyspace: 'constructor', rename: { 'ks.constructor': 'ks.__proto__' } })).toBeUndefined();
  });
});
