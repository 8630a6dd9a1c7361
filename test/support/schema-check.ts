/**
 * A small checker for the JSON Schema subset Icarus's OpenAPI uses in its responses (type, properties,
 * required, enum, items, $ref by component name): enough to hold recorded answers against the published
 * shapes. Extra properties are allowed, as in the spec (Daedalus adds `source`, `nodes`, ...).
 */
export interface SchemaNode {
  type?: 'object' | 'string' | 'integer' | 'number' | 'boolean' | 'array';
  properties?: Record<string, SchemaNode>;
  required?: string[];
  enum?: unknown[];
  items?: SchemaNode;
  $ref?: string;
}

export type Components = Record<string, SchemaNode>;

function typeOk(type: SchemaNode['type'], value: unknown): boolean {
  switch (type) {
    case undefined:
      return true;
    case 'integer':
      return Number.isInteger(value);
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    default:
      return typeof value === type;
  }
}

/** Every place `value` departs from `schema`, as `path: problem`; empty when it conforms. */
export function schemaProblems(value: unknown, schema: SchemaNode, components: Components, path = '$'): string[] {
  const resolved = schema.$ref ? components[schema.$ref] : schema;
  if (!resolved) return [`${path}: unknown schema ${schema.$ref}`];
  // absent optional values are fine; null stands for absent (the Go client's pointers decode it so)
  if (value === null) return [];
  if (!typeOk(resolved.type, value)) return [`${path}: ${JSON.stringify(value)?.slice(0, 60)} is not ${resolved.type}`];
  const problems: string[] = [];
  if (resolved.enum && !resolved.enum.includes(value))
    problems.push(`${path}: ${JSON.stringify(value)} is not one of ${resolved.enum.join(', ')}`);
  if (Array.isArray(value) && resolved.items) {
    value.forEach((item, i) => problems.push(...schemaProblems(item, resolved.items as SchemaNode, components, `${path}[${i}]`)));
  }
  if (resolved.type === 'object' && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    for (const field of resolved.required ?? []) if (!(field in object)) problems.push(`${path}.${field}: required`);
    for (const [field, sub] of Object.entries(resolved.properties ?? {})) {
      if (object[field] !== undefined) problems.push(...schemaProblems(object[field], sub, components, `${path}.${field}`));
    }
  }
  return problems;
}
