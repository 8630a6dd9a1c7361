import { ConfigReader } from './config-reader';
import { rangeOf } from './constraints';
import { ConfigClass, configSections, OptionDefinition, SectionSpec } from './option';
import { ConfigError } from './read-options';

/** A service as `--help` and the configuration reference present it. */
export interface ServiceDescription {
  /** e.g. "coordinator" */
  name: string;
  /** how it is started, e.g. "node dist/apps/coordinator/src/main.js" */
  command: string;
  /** one sentence: what the service does */
  summary: string;
  /** its config class: its own settings and the groups it shares with other services */
  config: ConfigClass;
}

const UNITS_MS: Array<[number, string]> = [
  [24 * 3600_000, 'days'],
  [3600_000, 'h'],
  [60_000, 'min'],
  [1_000, 's'],
];
const UNITS_BYTES: Array<[number, string]> = [
  [1024 ** 3, 'GiB'],
  [1024 ** 2, 'MiB'],
  [1024, 'KiB'],
];

function human(value: number, units: Array<[number, string]>): string | undefined {
  for (const [size, unit] of units) {
    if (value >= size && Number.isInteger((value / size) * 10))
      return `${value / size} ${unit === 'days' && value === size ? 'day' : unit}`;
  }
  return undefined;
}

/** The default as help shows it: `30000 (30 s)`, `nats://127.0.0.1:4222`, or the computed default's text. */
export function describeDefault(option: OptionDefinition): string | undefined {
  if (option.defaultText) return option.defaultText;
  const value = option.default;
  if (value === undefined || typeof value === 'function') return undefined;
  if (option.secret) return '(hidden)';
  if (Array.isArray(value)) return value.join(',');
  if (typeof value === 'number' && option.unit) {
    const friendly = human(value, option.unit === 'ms' ? UNITS_MS : UNITS_BYTES);
    return friendly ? `${value} (${friendly})` : String(value);
  }
  return String(value);
}

function flagText(option: OptionDefinition): string {
  if (!option.flag) return '(environment only)';
  return option.kind === 'boolean' ? `--${option.flag}[=true|false]` : `--${option.flag} <${option.placeholder}>`;
}

function sectionHeading(section: SectionSpec): string {
  return section.note ? `${section.title} (${section.note})` : section.title;
}

/** `--help`: every setting of the service with its flag, environment variables, default and description. */
export function renderHelp(service: ServiceDescription): string {
  const sections = configSections(service.config);
  const all = sections.flatMap(({ options }) => options);
  const flagWidth = Math.max(...all.map((option) => flagText(option).length)) + 2;
  const envWidth = Math.max(...all.map((option) => option.env.join(', ').length)) + 2;
  const lines = [
    `Daedalus ${service.name}: ${service.summary}`,
    '',
    `Usage: ${service.command} [--flag value | --flag=value]...`,
    'Every setting is a flag or an environment variable (a flag wins over the environment). An unknown flag or a',
    'value out of range stops the service, naming the flag. --help prints this and exits.',
  ];
  for (const { type, section, options } of sections) {
    if (options.length === 0) continue;
    lines.push('', `${sectionHeading(section)}:`);
    for (const option of options) {
      const fallback = describeDefault(option);
      const range = rangeOf(type, option.property);
      const values = [fallback && `default ${fallback}`, range && `allowed ${range}`].filter(Boolean).join('; ');
      const columns = `  ${flagText(option).padEnd(flagWidth)}${option.env.join(', ').padEnd(envWidth)}${values}`;
      lines.push(columns.trimEnd(), `      ${option.description}${option.secret ? ' (a secret: never printed)' : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function capitalized(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function table(type: ConfigClass, options: OptionDefinition[]): string[] {
  return [
    '| flag | environment | default | allowed | what it does |',
    '|---|---|---|---|---|',
    ...options.map((option) => {
      const flag = option.flag ? `\`--${option.flag}\`` : '(environment only)';
      const env = option.env.map((name) => `\`${name}\``).join(', ');
      const fallback = describeDefault(option);
      const description = `${option.description}${option.secret ? ' (a secret: never printed)' : ''}`;
      const range = rangeOf(type, option.property) ?? '';
      return `| ${flag} | ${env} | ${fallback ? cell(fallback) : ''} | ${cell(range)} | ${cell(description)} |`;
    }),
  ];
}

/**
 * The configuration reference (docs/configuration.md): the sections every service shares once, then each
 * service's own. Generated from the same metadata as `--help`.
 */
export function renderReference(services: readonly ServiceDescription[], preamble: readonly string[]): string {
  const perService = services.map((service) => ({ service, sections: configSections(service.config) }));
  const shared = perService[0]?.sections.filter(({ type }) => perService.every(({ sections }) => sections.some((s) => s.type === type)));
  const isShared = (type: ConfigClass) => shared?.some((s) => s.type === type) ?? false;
  const lines = ['# Configuration reference', '', ...preamble];
  if (shared && shared.length > 0) {
    lines.push('', '## Every service');
    for (const { type, section, options } of shared) lines.push('', `### ${sectionHeading(section)}`, '', ...table(type, options));
  }
  for (const { service, sections } of perService) {
    lines.push('', `## ${capitalized(service.name)}`, '', `${capitalized(service.summary)} Run: \`${service.command}\`.`);
    for (const { type, section, options } of sections) {
      if (options.length === 0 || isShared(type)) continue;
      if (type !== service.config) lines.push('', `### ${sectionHeading(section)}`);
      lines.push('', ...table(type, options));
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Builds a service's configuration from its command line and environment, or says why it cannot: `--help`
 * prints every setting (exit code 0); a ConfigError prints its problems (exit code 2). Either way it resolves to
 * undefined, having opened nothing, and the caller returns so the process ends with that code.
 */
export async function configure<T>(
  service: ServiceDescription,
  build: (reader: ConfigReader) => T | Promise<T>,
  reader: ConfigReader = new ConfigReader(),
  out: { stdout: (text: string) => void; stderr: (text: string) => void } = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  },
): Promise<T | undefined> {
  if (reader.helpRequested) {
    out.stdout(renderHelp(service));
    process.exitCode = 0;
    return undefined;
  }
  try {
    return await build(reader);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    out.stderr(`daedalus ${service.name}: ${error.message}\n(${service.command} --help lists every setting)\n`);
    process.exitCode = 2;
    return undefined;
  }
}
