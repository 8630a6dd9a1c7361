import { getMetadataStorage } from 'class-validator';
import { docOf, DtoClass, IS_SCHEMA_VERSION, nestedOf, SCHEMA_VERSION, SchemaFragment } from '@daedalus/contracts';

/**
 * The JSON Schema of a message DTO, read from its class-validator decorators (what the transport enforces)
 * and its `@Doc` descriptions: the AsyncAPI document cannot describe a message other than the one validated.
 */

/** What each validator says about a field's schema. */
function fragmentOf(name: string | undefined, constraints: unknown[]): SchemaFragment {
  switch (name) {
    case 'isString':
      return { type: 'string' };
    case 'isUuid':
      return { type: 'string', format: 'uuid' };
    case 'isInt':
      return { type: 'integer' };
    case 'isNumber':
      return { type: 'number' };
    case 'isBoolean':
      return { type: 'boolean' };
    case 'isObject':
      return { type: 'object' };
    case 'isArray':
      return { type: 'array' };
    case 'isIn':
      return { enum: constraints[0] };
    case 'min':
      return { minimum: constraints[0] };
    case 'max':
      return { maximum: constraints[0] };
    case IS_SCHEMA_VERSION:
      return { type: 'string', pattern: '^1\\.[0-9]+$', example: SCHEMA_VERSION };
    default:
      return {};
  }
}

export function schemaOfDto(type: DtoClass): SchemaFragment {
  const properties: Record<string, SchemaFragment> = {};
  const optional = new Set<string>();
  for (const meta of getMetadataStorage().getTargetValidationMetadatas(type, '', true, false)) {
    const property = meta.propertyName;
    properties[property] ??= {};
    if (meta.type === 'conditionalValidation') optional.add(property);
    else if (meta.type === 'customValidation') Object.assign(properties[property], fragmentOf(meta.name, meta.constraints));
  }
  for (const property of Object.keys(properties)) {
    const nested = nestedOf(type, property);
    if (nested) {
      const schema = schemaOfDto(nested.type());
      properties[property] = nested.each ? { type: 'array', items: schema } : schema;
    }
    const doc = docOf(type, property);
    properties[property] = {
      ...properties[property],
      ...(doc?.description ? { description: doc.description } : {}),
      ...doc?.schema,
    };
  }
  const required = Object.keys(properties).filter((property) => !optional.has(property));
  const description = docOf(type)?.description;
  return { type: 'object', ...(description ? { description } : {}), required, properties };
}
