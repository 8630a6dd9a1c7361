import 'reflect-metadata';
import { plainToInstance, Type } from 'class-transformer';
import { Allow, ValidateBy, ValidateNested, ValidationError, validateSync } from 'class-validator';
import { MESSAGE_JSON_RULES, rawJsonProblem } from './requests/raw-json-guard';
import { assertSupportedSchemaVersion, UnsupportedSchemaVersionError } from './schema-version';

/**
 * What the message DTOs need beyond class-validator: a description and, where validators say too little, a
 * schema fragment for the AsyncAPI document; the nested DTO of a property; the schema version check; and one
 * function that turns untyped JSON into a validated DTO or the reasons it is not one.
 */

/** A DTO class: every message class has a no-argument constructor (class-transformer creates it). */
export type DtoClass<T = unknown> = new () => T;

/** A JSON Schema fragment, as the AsyncAPI document holds it. */
export type SchemaFragment = Record<string, unknown>;

const DOC = Symbol('daedalus:doc');
const NESTED = Symbol('daedalus:nested');
const OPAQUE = Symbol('daedalus:opaque');

export interface PropertyDoc {
  description?: string;
  /** merged over what the validators say (e.g. the shape of a map, the format of a free-form object) */
  schema?: SchemaFragment;
}

/** Describes a message or one of its fields for the AsyncAPI document. */
export function Doc(description: string, schema?: SchemaFragment): PropertyDecorator & ClassDecorator {
  return (target: object, property?: string | symbol) => {
    const doc: PropertyDoc = { description, schema };
    if (property === undefined) Reflect.defineMetadata(DOC, doc, target);
    else Reflect.defineMetadata(DOC, doc, target, property);
  };
}

export function docOf(target: DtoClass, property?: string): PropertyDoc | undefined {
  return property === undefined
    ? (Reflect.getMetadata(DOC, target) as PropertyDoc | undefined)
    : (Reflect.getMetadata(DOC, target.prototype as object, property) as PropertyDoc | undefined);
}

/** A field holding another DTO (or, with `each`, an array of them): validated and documented as that DTO. */
export function Nested(type: () => DtoClass, options: { each?: boolean } = {}): PropertyDecorator {
  return (target: object, property: string | symbol) => {
    ValidateNested({ each: options.each })(target, property);
    Type(type)(target, property);
    Reflect.defineMetadata(NESTED, { type, each: options.each ?? false }, target, property);
  };
}

export function nestedOf(target: DtoClass, property: string): { type: () => DtoClass; each: boolean } | undefined {
  return Reflect.getMetadata(NESTED, target.prototype as object, property) as { type: () => DtoClass; each: boolean } | undefined;
}

/**
 * A field carried as it arrived: not converted, not validated, not even walked by checkMessage; whoever handles
 * the message checks it (a submit's client request, which must become a FAILED record naming its field, never
 * a dead letter of the whole message).
 */
export function Opaque(): PropertyDecorator {
  return (target: object, property: string | symbol) => {
    Allow()(target, property);
    const fields = (Reflect.getMetadata(OPAQUE, target) as string[] | undefined) ?? [];
    Reflect.defineMetadata(OPAQUE, [...fields, String(property)], target);
  };
}

function opaqueFieldsOf(type: DtoClass): string[] {
  return (Reflect.getMetadata(OPAQUE, type.prototype as object) as string[] | undefined) ?? [];
}

export const IS_SCHEMA_VERSION = 'isSchemaVersion';

/** `schemaVersion`: "major.minor" of a major this build understands (any minor). */
export function IsSchemaVersion(): PropertyDecorator {
  return ValidateBy({
    name: IS_SCHEMA_VERSION,
    validator: {
      validate: (value: unknown) => {
        try {
          assertSupportedSchemaVersion(value);
          return true;
        } catch (error) {
          if (error instanceof UnsupportedSchemaVersionError) return false;
          throw error;
        }
      },
      defaultMessage: (args) => new UnsupportedSchemaVersionError(args?.value).message,
    },
  });
}

export type MessageCheck<T> = { ok: true; value: T } | { ok: false; errors: string[] };

function messagesOf(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((text) =>
      // class-validator names the leaf property only; name the full path so nested fields are clear
      text.startsWith(`${error.property} `) ? `${field}${text.slice(error.property.length)}` : text,
    );
    return [...own, ...messagesOf(error.children ?? [], field)];
  });
}

/**
 * Untyped data (a parsed message body) as the DTO `type`, or every reason it is not one. Unknown fields are
 * kept (a newer minor version may add optional ones); nothing is converted implicitly. A body nested deeper
 * than any message is, or with a `__proto__`/`constructor`/`prototype` key, is refused before class-transformer
 * walks it (it would overflow the stack or throw); `@Opaque()` fields are passed through untouched.
 */
export function checkMessage<T>(type: DtoClass<T>, data: unknown): MessageCheck<T> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { ok: false, errors: ['not a JSON object'] };
  const opaque = opaqueFieldsOf(type);
  const checked: Record<string, unknown> = {};
  const passed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if (opaque.includes(key)) passed[key] = value;
    else checked[key] = value;
  }
  const shape = rawJsonProblem(checked, MESSAGE_JSON_RULES);
  if (shape) return { ok: false, errors: [shape.message] };
  const value = plainToInstance(type, checked);
  Object.assign(value as object, passed);
  const errors = validateSync(value as object, { forbidUnknownValues: true });
  return errors.length === 0 ? { ok: true, value } : { ok: false, errors: [...new Set(messagesOf(errors))] };
}
