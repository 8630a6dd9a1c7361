import { validateSync } from 'class-validator';
import { ConfigReader, splitList } from './config-reader';
import { nearest } from './nearest';
import { ConfigClass, configEntries, configSections, OptionDefinition, optionLabel, OptionValue } from './option';

/** A service's settings are wrong: every problem found, each naming the flag and its environment variable. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.length === 1 ? problems[0] : `${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Every flag a config class (and its groups) knows, without dashes. */
export function knownFlags(type: ConfigClass): string[] {
  return configSections(type).flatMap(({ options }) => options.flatMap((option) => (option.flag ? [option.flag] : [])));
}

/**
 * Fills `target`'s settings (and groups) from `reader`: a flag wins over the environment, which wins over the
 * default. Then checks them with their class-validator decorators. Throws a ConfigError listing every problem:
 * an unknown flag (naming the nearest known one), an argument that is no flag, a value of the wrong kind or out
 * of range (naming the flag, its environment variable and the value given, unless it is a secret).
 */
export function readOptions<T extends object>(target: T, reader: ConfigReader): T {
  const problems: string[] = [];
  const known = knownFlags(target.constructor as ConfigClass);
  // settings without a flag (secrets) under the flag they would have: NATS_PASSWORD as nats-password
  const environmentOnly = new Map(
    configSections(target.constructor as ConfigClass).flatMap(({ options }) =>
      options.flatMap((option) => (option.flag ? [] : [[option.env[0].toLowerCase().replace(/_/g, '-'), option.env[0]] as const])),
    ),
  );
  for (const flag of reader.flagNames()) {
    if (flag === 'help' || known.includes(flag)) continue;
    const guess = nearest(flag, [...known, ...environmentOnly.keys()]);
    const variable = guess === undefined ? undefined : environmentOnly.get(guess);
    if (variable) problems.push(`unknown flag --${flag}: ${variable} has no flag, it is read only from the environment`);
    else problems.push(`unknown flag --${flag}${guess ? `: did you mean --${guess}?` : ''}`);
  }
  for (const stray of reader.strayArguments()) {
    problems.push(`${stray} is not a flag (every setting is --flag value or --flag=value; a list is one comma-separated value)`);
  }
  problems.push(...fill(target, reader));
  if (problems.length > 0) throw new ConfigError(problems);
  return target;
}

/** Fills one class's settings and groups; returns its problems in declaration order. */
function fill(target: object, reader: ConfigReader): string[] {
  const values = target as Record<string, unknown>;
  const entries = configEntries(target.constructor as ConfigClass);
  const problems = new Map<string, string[]>(
    entries.map((entry) => [entry.kind === 'option' ? entry.option.property : entry.group.property, []]),
  );
  const given = new Map<string, string>();
  const computed: OptionDefinition[] = [];
  const options = new Map<string, OptionDefinition>();
  for (const entry of entries) {
    if (entry.kind === 'group') {
      const group = new (entry.group.type())();
      problems.set(entry.group.property, fill(group, reader));
      values[entry.group.property] = group;
      continue;
    }
    const option = entry.option;
    const found = problems.get(option.property) ?? [];
    options.set(option.property, option);
    const text = lookup(option, reader, found);
    if (text === undefined) {
      if (typeof option.default === 'function') computed.push(option);
      else values[option.property] = option.default;
      continue;
    }
    given.set(option.property, text);
    const value = convert(option, text);
    if (value === undefined) found.push(`${optionLabel(option)} must be ${KIND_TEXT[option.kind]}${got(option, text)}`);
    else values[option.property] = value;
  }
  for (const option of computed) values[option.property] = (option.default as (config: object) => OptionValue | undefined)(target);

  for (const error of validateSync(target, { forbidUnknownValues: false })) {
    const option = options.get(error.property);
    const found = problems.get(error.property);
    // a value of the wrong kind was said already; its range would only repeat it
    if (!option || !found || found.length > 0) continue;
    const text = given.get(error.property);
    const shown = text === undefined ? `${got(option, String(error.value))} (the default)` : got(option, text);
    for (const message of new Set(Object.values(error.constraints ?? {}))) {
      found.push(`${message.replace(new RegExp(`\\b${error.property}\\b`), optionLabel(option))}${shown}`);
    }
  }
  return [...problems.values()].flat();
}

const KIND_TEXT: Record<OptionDefinition['kind'], string> = {
  string: 'text',
  integer: 'a whole number',
  boolean: 'true or false (or 1/0, yes/no)',
  list: 'a comma-separated list',
};

/** The text given for a setting: its flag, else the first of its environment variables that is set. */
function lookup(option: OptionDefinition, reader: ConfigReader, problems: string[]): string | undefined {
  if (option.flag) {
    const flag = reader.flag(option.flag);
    if (flag.given) {
      if (flag.value !== undefined) return flag.value === '' ? undefined : flag.value;
      if (option.kind === 'boolean') return 'true';
      problems.push(
        `--${option.flag} needs a value (--${option.flag} <${option.placeholder}> or --${option.flag}=<${option.placeholder}>)`,
      );
      return undefined;
    }
  }
  const set = option.env.flatMap((name) => {
    const value = reader.env[name];
    return value === undefined || value === '' ? [] : [{ name, value }];
  });
  if (set.length > 1 && set.some(({ value }) => value !== set[0].value)) {
    problems.push(`${set.map(({ name }) => name).join(' and ')} are set to different values: set only one`);
  }
  return set[0]?.value;
}

function convert(option: OptionDefinition, text: string): OptionValue | undefined {
  switch (option.kind) {
    case 'string':
      return text;
    case 'list':
      return splitList(text);
    case 'boolean':
      if (/^(true|1|yes)$/i.test(text.trim())) return true;
      if (/^(false|0|no)$/i.test(text.trim())) return false;
      return undefined;
    case 'integer': {
      const value = text.trim() === '' ? NaN : Number(text);
      return Number.isFinite(value) ? value : undefined;
    }
  }
}

/** `, got 0`: what was given, quoted unless it is a plain number; nothing at all for a secret. */
function got(option: OptionDefinition, text: string): string {
  if (option.secret) return '';
  return `, got ${/^-?\d+(\.\d+)?$/.test(text) ? text : JSON.stringify(text)}`;
}
