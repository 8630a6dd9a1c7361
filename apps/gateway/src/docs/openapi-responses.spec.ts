import type { OpenAPIObject } from '@nestjs/swagger';
import { withErrorResponses } from './openapi-responses';

const bare = {
  openapi: '3.0.0',
  info: { title: 't', version: '1' },
  paths: {
    '/operations/{id}': {
      get: { responses: { '200': { description: 'the operation' }, '404': { description: 'unknown operation' } } },
    },
    '/healthz': {
      get: { responses: { '200': { description: 'up' }, '503': { description: 'down', content: { 'application/json': {} } } } },
    },
  },
} as unknown as OpenAPIObject;

type Responses = Record<string, { description: string; content?: Record<string, { schema?: unknown }> }>;

describe('error answers in the served OpenAPI document', () => {
  const document = withErrorResponses(bare);
  const responsesOf = (path: string) => (document.paths[path].get as { responses: Responses }).responses;
  const error = { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } };

  it('gives every route 400, 401, 403 and 503 in the one error shape, and that shape to the 4xx a controller described', () => {
    const responses = responsesOf('/operations/{id}');
    expect(Object.keys(responses).sort()).toEqual(['200', '400', '401', '403', '404', '503']);
    for (const status of ['400', '401', '403', '404', '503']) expect(responses[status].content).toEqual(error);
    expect(responses['404'].description).toBe('unknown operation');
    expect(responses['200'].content).toBeUndefined();
  });

  it('gives public routes no 401 or 403, and leaves the answers they describe themselves', () => {
    const responses = responsesOf('/healthz');
    expect(responses['401']).toBeUndefined();
    expect(responses['403']).toBeUndefined();
    expect(responses['503'].content).toEqual({ 'application/json': {} });
  });
});
