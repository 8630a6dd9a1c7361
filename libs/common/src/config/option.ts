import 'reflect-metadata';
import { ConfigReader } from './config-reader';

export type OptionKind = 'string' | 'integer' | 'boolean' | 'list';
export type OptionValue = string | number | boolean | string[];

/** How a setting shows in `--help` and the reference: what it is, where it comes from, what it defaults to. */
export interface OptionSpec<C = never> {
  /** the flag without its dashes; leave it out for a setting read only from the environment (a secret) */
  flag?: string;
  /** environment variables, the first one set wins (default: `DAEDALUS_<FLAG>`) */
  env?: string | readonly string[];
  /** one line: what the setting changes */
  description: string;
  /** how the text is read (default: from the property's type — number → integer, string[] → comma-separated list) */
  kind?: OptionKind;
  /** the value when neither the flag nor the environment gives one; a function computes it from the settings read */
  default?: OptionValue | ((config: C) => OptionValue | undefined);
  /** how help shows a computed default */
  defaultText?: string;
  /** never printed: not in help, not in errors */
  secret?: boolean;
  /** the value's placeholder in help (`--jmx-service <host:port>`); default from the kind or unit */
  placeholder?: string;
  /** shows defaults in human units too: 300000 (5 min), 268435456 (256 MiB) */
  unit?: 'ms' | 'bytes';
}

export interface OptionDefinition {
  property: string;
  flag?: string;
  env: readonly string[];
  description: string;
  kind: OptionKind;
  default?: OptionValue | ((config: never) => OptionValue | undefined);
  defaultText?: string;
  secret: boolean;
  placeholder: string;
  unit?: 'ms' | 'bytes';
}

/** A class whose properties are settings (or groups of them); its constructor may be private. */
export interface ConfigClass<T extends object = object> {
  readonly prototype: T;
  readonly name: string;
}
/** A class of settings shared by several services, read as one property of each service's config. */
export type GroupClass<T extends object = object> = new () => T;

export interface GroupDefinition {
  property: string;
  type: () => GroupClass;
}

export type ConfigEntry = { kind: 'option'; option: OptionDefinition } | { kind: 'group'; group: GroupDefinition };

const ENTRIES = new Map<object, ConfigEntry[]>();
const SECTIONS = new Map<object, SectionSpec>();

export interface SectionSpec {
  /** heading in help and in the reference, e.g. "NATS connection" */
  title: string;
  /** a sentence under the heading */
  note?: string;
}

function entriesOf(type: object): ConfigEntry[] {
  let entries = ENTRIES.get(type);
  if (!entries) ENTRIES.set(type, (entries = []));
  return entries;
}

function kindFromType(target: object, property: string): OptionKind | undefined {
  const type: unknown = Reflect.getMetadata('design:type', target, property);
  if (type === Number) return 'integer';
  if (type === Boolean) return 'boolean';
  if (type === Array) return 'list';
  if (type === String) return 'string';
  return undefined;
}

const PLACEHOLDERS: Record<OptionKind, string> = { string: 'text', integer: 'n', boolean: 'true|false', list: 'a,b,...' };

/** Marks a property as a setting: read from its flag or environment, then checked by its class-validator decorators. */
export function Option<C = never>(spec: OptionSpec<C>): PropertyDecorator {
  return (target: object, key: string | symbol) => {
    const property = String(key);
    const kind = spec.kind ?? kindFromType(target, property);
    if (!kind) throw new TypeError(`option ${property}: say its kind, the property's type does not tell`);
    if (!spec.flag && !spec.env) throw new TypeError(`option ${property}: give it a flag, an environment name, or both`);
    const env = spec.env === undefined ? [ConfigReader.envName(spec.flag ?? '')] : typeof spec.env === 'string' ? [spec.env] : spec.env;
    entriesOf(target.constructor).push({
      kind: 'option',
      option: {
        property,
        flag: spec.flag,
        env,
        description: spec.description,
        kind,
        default: spec.default as OptionDefinition['default'],
        defaultText: spec.defaultText,
        secret: spec.secret ?? false,
        placeholder: spec.placeholder ?? spec.unit ?? PLACEHOLDERS[kind],
        unit: spec.unit,
      },
    });
  };
}

/** Marks a property as a group of settings (an instance of `type`, e.g. the NATS connection every service shares). */
export function OptionGroup(type: () => GroupClass): PropertyDecorator {
  return (target: object, key: string | symbol) => {
    entriesOf(target.constructor).push({ kind: 'group', group: { property: String(key), type } });
  };
}

/** Names a class of settings in help and in the reference. */
export function ConfigSection(spec: SectionSpec): ClassDecorator {
  return (target) => {
    SECTIONS.set(target, spec);
  };
}

/** The settings and groups a class declares, in declaration order. */
export function configEntries(type: ConfigClass): readonly ConfigEntry[] {
  return ENTRIES.get(type) ?? [];
}

export function configSection(type: ConfigClass): SectionSpec {
  return SECTIONS.get(type) ?? { title: type.name };
}

/** The class and every group under it, depth first, each with its settings. */
export function configSections(type: ConfigClass): Array<{ type: ConfigClass; section: SectionSpec; options: OptionDefinition[] }> {
  const own = configEntries(type).flatMap((entry) => (entry.kind === 'option' ? [entry.option] : []));
  const nested = configEntries(type).flatMap((entry) => (entry.kind === 'group' ? configSections(entry.group.type()) : []));
  return [{ type, section: configSection(type), options: own }, ...nested];
}

/** How an option is named in messages: `--node-timeout-ms (DAEDALUS_NODE_TIMEOUT_MS)`, or only the variable. */
export function optionLabel(option: OptionDefinition): string {
  const env = option.env.join(' or ');
  return option.flag ? `--${option.flag} (${env})` : env;
}
