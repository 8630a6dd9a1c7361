import type { OpenAPIObject } from '@nestjs/swagger';

/** The component every 4xx/5xx answer uses (apps/gateway/src/docs/response-views.ts ErrorResponse). */
const ERROR_REF = { $ref: '#/components/schemas/ErrorResponse' };

/** Paths open to anyone (`@RouteAccess('public')`): they never answer 401 or 403. */
const PUBLIC_PATHS = new Set(['/healthz']);

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

const COMMON_ERRORS: Record<string, string> = {
  '400': 'invalid request: `errors` names each field, query parameter or header at fault',
  '503': 'NATS/JetStream or every node agent unreachable right now; retry later',
};

const AUTH_ERRORS: Record<string, string> = {
  '401': 'no credentials, or credentials that do not verify (WWW-Authenticate says which)',
  '403': "the caller's role does not allow this",
};

interface ResponseObject {
  description?: string;
  content?: Record<string, { schema?: unknown }>;
}

/**
 * Gives every operation of the served document the error answers the gateway's filters and guards can give
 * (the HTTP layer answers them for every route, so no controller declares them), each in the one error
 * shape `{statusCode, error, message, errors: [{field, message}]}`; statuses a controller described (404, 409)
 * get that shape too.
 */
export function withErrorResponses(document: OpenAPIObject): OpenAPIObject {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, item] of Object.entries(document.paths)) {
    const copy: Record<string, unknown> = { ...item };
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const responses: Record<string, ResponseObject> = { ...(operation.responses as Record<string, ResponseObject>) };
      const added = PUBLIC_PATHS.has(path) ? COMMON_ERRORS : { ...COMMON_ERRORS, ...AUTH_ERRORS };
      for (const [status, description] of Object.entries(added)) responses[status] ??= { description };
      for (const [status, response] of Object.entries(responses)) {
        if (Number(status) >= 400 && !response.content && !PUBLIC_PATHS.has(path)) {
          responses[status] = { ...response, content: { 'application/json': { schema: ERROR_REF } } };
        }
      }
      copy[method] = { ...operation, responses };
    }
    paths[path] = copy;
  }
  return { ...document, paths } as OpenAPIObject;
}
