import { Components, schemaProblems } from './schema-check';

const components: Components = {
  Item: { type: 'object', required: ['id'], properties: { id: { type: 'string' }, n: { type: 'integer' } } },
  List: { type: 'object', properties: { items: { type: 'array', items: { $ref: 'Item' } }, state: { type: 'string', enum: ['A', 'B'] } } },
};

describe('schema check', () => {
  it('accepts conforming values, extra fields and nulls', () => {
    expect(schemaProblems({ items: [{ id: 'x', n: 2, extra: true }], state: 'A', more: 1 }, { $ref: 'List' }, components)).toEqual([]);
    expect(schemaProblems({ items: [{ id: 'x', n: null }] }, { $ref: 'List' }, components)).toEqual([]);
  });

  it('names every departure by its path', () => {
    expect(schemaProblems({ items: [{ n: 1.5 }, 'x'], state: 'C' }, { $ref: 'List' }, components)).toEqual([
      '$.items[0].id: required',
      '$.items[0].n: 1.5 is not integer',
      '$.items[1]: "x" is not object',
      '$.state: "C" is not one of A, B',
    ]);
  });
});
