import { DtoClass, OPERATION_REQUEST_TYPES, OperationType, SchemaFragment } from '@daedalus/contracts';
import { schemaOfDto } from '../../gateway/src/docs/dto-schema';
import { UsageError } from './exit-codes';

/** How a flag's text becomes the request field's value. */
export type FlagKind = 'boolean' | 'integer' | 'number' | 'string' | 'json';

/** One request field as a command-line flag (`storageLocation` → `--storage-location <value>`). */
export interface FieldFlag {
  field: string;
  /** the flag's long name without dashes */
  flag: string;
  kind: FlagKind;
  choices?: string[];
  description: string;
}

/** Flags of the CLI itself; a request field of the same name is set with `--field` instead. */
export const RESERVED_FLAGS = new Set([
  'help',
  'output',
  'gateway',
  'token',
  'config',
  'watch',
  'field',
  'global',
  'tag',
  'http-timeout-ms',
  'watch-timeout',
]);

/** `storageLocation` → `storage-location`, `sourceDC` → `source-dc`. */
export function kebab(field: string): string {
  return field
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

function kindOf(schema: SchemaFragment): { kind: FlagKind; choices?: string[] } {
  const enumValues = schema.enum;
  if (Array.isArray(enumValues) && enumValues.every((v) => typeof v === 'string')) return { kind: 'string', choices: enumValues };
  switch (schema.type) {
    case 'boolean':
      return { kind: 'boolean' };
    case 'integer':
      return { kind: 'integer' };
    case 'number':
      return { kind: 'number' };
    case 'string':
      return { kind: 'string' };
    case 'object':
    case 'array':
      return { kind: 'json' };
    default:
      // a field checked by a custom validator only (storageLocation, entities, snapshotTag, …): text, as the
      // gateway reads it; a value of another shape goes with --field
      return { kind: 'string' };
  }
}

const KIND_WORDS: Record<FlagKind, string> = {
  boolean: 'sets it true; false with --field',
  integer: 'whole number',
  number: 'number',
  string: 'text',
  json: 'JSON',
};

function describe(field: string, schema: SchemaFragment, kind: FlagKind): string {
  const text = typeof schema.description === 'string' ? `: ${schema.description}` : '';
  return `${field}${text} (${KIND_WORDS[kind]})`;
}

/**
 * The flags of an operation type, read from its request DTO's validators — the same schema the gateway's
 * OpenAPI document gives for POST /operations — so a new field of a request is a new flag without a change here.
 */
export function requestFlags(type: OperationType): FieldFlag[] {
  const schema = schemaOfDto(OPERATION_REQUEST_TYPES[type] as unknown as DtoClass);
  const properties = (schema.properties ?? {}) as Record<string, SchemaFragment>;
  return Object.entries(properties)
    .filter(([field]) => field !== 'type' && !RESERVED_FLAGS.has(kebab(field)))
    .map(([field, property]) => {
      const { kind, choices } = kindOf(property);
      return { field, flag: kebab(field), kind, ...(choices ? { choices } : {}), description: describe(field, property, kind) };
    });
}

/** A flag's text as the field's value; a value that is not of the field's kind is refused naming the flag. */
export function flagValue(spec: FieldFlag, text: string): unknown {
  const flag = `--${spec.flag}`;
  switch (spec.kind) {
    case 'boolean':
      return true;
    case 'integer':
      if (!/^-?\d{1,15}$/.test(text)) throw new UsageError(`${flag} takes a whole number, not "${text.slice(0, 64)}"`);
      return Number(text);
    case 'number': {
      const value = Number(text);
      if (text.trim() === '' || !Number.isFinite(value)) throw new UsageError(`${flag} takes a number, not "${text.slice(0, 64)}"`);
      return value;
    }
    case 'json':
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new UsageError(`${flag} takes JSON, e.g. ${flag} '{"value": 10, "unit": "MBPS"}'`);
      }
    default:
      return text;
  }
}

/** `--field` values: JSON when the text is JSON (`10`, `true`, `{"a":1}`, `"007"`), else the text itself. */
function fieldValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * `--field key=value` entries (a dotted key sets a nested field: `bandwidth.value=10`) as a request body part.
 * A malformed entry is refused naming `--field`.
 */
export function fieldEntries(entries: string[]): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const entry of entries) {
    const equals = entry.indexOf('=');
    if (equals <= 0) throw new UsageError(`--field takes key=value, not "${entry.slice(0, 64)}"`);
    const path = entry.slice(0, equals).split('.');
    if (path.some((part) => part === '' || FORBIDDEN_KEYS.has(part))) {
      throw new UsageError(`--field: "${entry.slice(0, equals).slice(0, 64)}" is not a field name`);
    }
    let target = body;
    for (const part of path.slice(0, -1)) {
      const next = Object.prototype.hasOwnProperty.call(target, part) ? target[part] : undefined;
      if (next !== undefined && (typeof next !== 'object' || next === null || Array.isArray(next))) {
        throw new UsageError(`--field: ${path.join('.')} sets inside ${part}, which is already a value`);
      }
      target[part] ??= {};
      target = target[part] as Record<string, unknown>;
    }
    const leaf = path[path.length - 1];
    if (Object.prototype.hasOwnProperty.call(target, leaf)) throw new UsageError(`--field: ${path.join('.')} is given twice`);
    target[leaf] = fieldValue(entry.slice(equals + 1));
  }
  return body;
}

/**
 * The request body: `type`, the fields given as flags, the shortcuts (`--global` → `globalRequest: true`,
 * `--tag` → `snapshotTag`), then the `--field` entries; a field given two ways is refused naming both.
 */
export function requestBody(
  type: string,
  fromFlags: Array<{ spec: FieldFlag; value: unknown }>,
  shortcuts: { global?: boolean; tag?: string },
  fields: string[],
): Record<string, unknown> {
  const body: Record<string, unknown> = { type };
  const origin = new Map<string, string>();
  const set = (field: string, value: unknown, how: string) => {
    const earlier = origin.get(field);
    if (earlier) throw new UsageError(`${field} is given twice: ${earlier} and ${how}`);
    origin.set(field, how);
    body[field] = value;
  };
  for (const { spec, value } of fromFlags) set(spec.field, value, `--${spec.flag}`);
  if (shortcuts.global) set('globalRequest', true, '--global');
  if (shortcuts.tag !== undefined) set('snapshotTag', shortcuts.tag, '--tag');
  for (const [field, value] of Object.entries(fieldEntries(fields))) {
    if (field === 'type') throw new UsageError('--field: type is the command itself');
    set(field, value, `--field ${field}=…`);
  }
  return body;
}

/** The flag that sets a request field, for error messages: `storageLocation` → `--storage-location`. */
export function flagOfField(field: string, flags: FieldFlag[]): string {
  const top = field.split(/[.[]/)[0];
  if (top === 'globalRequest') return '--global';
  if (top === 'snapshotTag') return '--tag (--snapshot-tag)';
  const spec = flags.find((f) => f.field === top);
  return spec ? `--${spec.flag}` : `--field ${top}=…`;
}
