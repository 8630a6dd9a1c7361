import { OperationType } from '@daedalus/contracts';
import { Command, InvalidArgumentError, Option } from './commander';
import { FieldFlag, flagValue, requestBody, requestFlags } from './request-flags';

export const collect = (value: string, previous: string[] = []) => [...previous, value];

/** What commander gives a command with request options. */
export interface RequestOptions {
  field?: string[];
  global?: boolean;
  tag?: string;
  [flag: string]: unknown;
}

/**
 * Adds one option per field of the type's request DTO (`--storage-location <value>`, booleans bare, enums as
 * choices), `--global`, `--tag` and `--field`; `without` names fields left to other flags of the command (set
 * with `--field` then). Returns the flags and how the parsed options become the request body.
 */
export function addRequestOptions(
  command: Command,
  type: OperationType,
  without: ReadonlySet<string> = new Set(),
): { specs: FieldFlag[]; bodyOf: (options: RequestOptions) => Record<string, unknown> } {
  const specs = requestFlags(type).filter((spec) => !without.has(spec.field));
  // a field named no… (noDeleteTruncates) makes a flag commander reads as the negation of another (--delete-truncates,
  // true unless --no-delete-truncates is given): given, it sets the field true
  const attributes: Array<{ spec: FieldFlag; attribute: string; negated: boolean }> = [];
  for (const spec of specs) {
    const option =
      spec.kind === 'boolean'
        ? new Option(`--${spec.flag}`, spec.description)
        : new Option(`--${spec.flag} <${spec.kind === 'json' ? 'json' : 'value'}>`, spec.description).argParser((text: string) => {
            try {
              return flagValue(spec, text);
            } catch (error) {
              throw new InvalidArgumentError((error as Error).message);
            }
          });
    if (spec.choices) option.choices(spec.choices);
    command.addOption(option);
    attributes.push({ spec, attribute: option.attributeName(), negated: option.negate });
  }
  if (specs.some((s) => s.field === 'globalRequest')) command.option('--global', 'on every node of the cluster (globalRequest)');
  if (specs.some((s) => s.field === 'snapshotTag')) command.option('--tag <tag>', 'the snapshot tag (snapshotTag)');
  command.option('--field <key=value>', 'any request field (dotted for nested: bandwidth.value=10; JSON values: 10, true, "007")', collect);
  const bodyOf = (options: RequestOptions) => {
    const fromFlags = attributes
      .filter(({ attribute, negated }) => (negated ? options[attribute] === false : options[attribute] !== undefined))
      .map(({ spec, attribute, negated }) => ({ spec, value: negated ? true : options[attribute] }));
    return requestBody(type, fromFlags, { global: options.global, tag: options.tag }, options.field ?? []);
  };
  return { specs, bodyOf };
}
