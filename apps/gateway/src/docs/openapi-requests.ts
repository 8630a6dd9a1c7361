import type { OpenAPIObject } from '@nestjs/swagger';
import { DtoClass, IMPLEMENTED_OPERATION_TYPES, OPERATION_REQUEST_TYPES, OperationType, SchemaFragment } from '@daedalus/contracts';
import { schemaOfDto } from './dto-schema';

/** The component name of an operation type's request, as Icarus's spec names them (BackupOperationRequest...). */
export function requestSchemaName(type: OperationType): string {
  const words = type.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1));
  return `${words.join('')}OperationRequest`;
}

/**
 * Adds what POST /operations accepts to the served OpenAPI document: one schema per implemented operation
 * type, read from the request DTO's validators (what the gateway enforces), and the request body as their
 * `oneOf` chosen by `type`. Written from the DTOs, so the document cannot drift from the checks.
 */
export function withOperationRequests(document: OpenAPIObject): OpenAPIObject {
  const types = (Object.keys(OPERATION_REQUEST_TYPES) as OperationType[]).filter((t) => IMPLEMENTED_OPERATION_TYPES.has(t));
  const schemas: Record<string, SchemaFragment> = {};
  for (const type of types) {
    const schema = schemaOfDto(OPERATION_REQUEST_TYPES[type] as unknown as DtoClass);
    const properties = { ...(schema.properties as Record<string, SchemaFragment>), type: { type: 'string', enum: [type] } };
    schemas[requestSchemaName(type)] = { ...schema, properties };
  }
  const refs = types.map((t) => ({ $ref: `#/components/schemas/${requestSchemaName(t)}` }));
  const body = {
    required: true,
    content: {
      'application/json': {
        schema: {
          oneOf: refs,
          discriminator: { propertyName: 'type', mapping: Object.fromEntries(types.map((t, i) => [t, refs[i].$ref])) },
        },
      },
    },
  };
  const paths = { ...document.paths };
  const operations = paths['/operations'];
  if (operations?.post) paths['/operations'] = { ...operations, post: { ...operations.post, requestBody: body } };
  return {
    ...document,
    paths,
    components: { ...document.components, schemas: { ...document.components?.schemas, ...schemas } },
  } as OpenAPIObject;
}
