import { IsInt, Max, Min, registerDecorator, ValidationArguments } from 'class-validator';
import { ConfigClass, configEntries, OptionDefinition } from './option';

/** The longest a Node.js timer waits: a longer delay fires at once (about 24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1;
export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** Applies several property decorators as one. */
export function allOf(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, key) => decorators.forEach((decorate) => decorate(target, key));
}

const RANGES = new Map<object, Map<string, string>>();

/** Records the values a setting allows, for help and the reference: "1 to 256". */
function recordRange(text: string): PropertyDecorator {
  return (target, key) => {
    const ranges = RANGES.get(target.constructor) ?? new Map<string, string>();
    RANGES.set(target.constructor, ranges.set(String(key), text));
  };
}

/** The values a setting allows, when a range decorator says. */
export function rangeOf(type: object, property: string): string | undefined {
  return RANGES.get(type)?.get(property);
}

/** A whole number from `min` to `max` (both included), with one message whichever bound is broken. */
export function IntRange(min: number, max: number, what = 'a whole number'): PropertyDecorator {
  const message = `$property must be ${what} from ${min} to ${max}`;
  return allOf(IsInt({ message }), Min(min, { message }), Max(max, { message }), recordRange(`${min} to ${max}`));
}

/** Milliseconds a timer waits: at least `min`, at most what a Node.js timer can hold. */
export function TimerMs(min = 1): PropertyDecorator {
  return IntRange(min, MAX_TIMER_MS, 'a whole number of milliseconds (a timer holds at most about 24.8 days)');
}

/** A TCP port. */
export function Port(): PropertyDecorator {
  return IntRange(1, 65535, 'a port number');
}

/**
 * A whole number of milliseconds from the value of another setting (declared on the same class) to `max`; the
 * message names that setting and its value.
 */
export function MsFromOption(otherProperty: string, max: number, maxText: string): PropertyDecorator {
  return (target: object, key: string | symbol) => {
    recordRange(`--${optionOf(target.constructor, otherProperty)?.flag ?? otherProperty} to ${max}`)(target, key);
    registerDecorator({
      name: 'msFromOption',
      target: target.constructor,
      propertyName: String(key),
      validator: {
        validate: (value: unknown, args: ValidationArguments) => {
          const floor = (args.object as Record<string, unknown>)[otherProperty];
          return Number.isInteger(value) && typeof floor === 'number' && (value as number) >= floor && (value as number) <= max;
        },
        defaultMessage: (args: ValidationArguments) => {
          const flag = optionOf(target.constructor, otherProperty)?.flag;
          const name = flag ? `--${flag}` : otherProperty;
          const floor = String((args.object as Record<string, unknown>)[otherProperty]);
          return `$property must be a whole number of milliseconds from ${name} (${floor}) to ${max} (${maxText})`;
        },
      },
    });
  };
}

/** The definition of a setting declared (so far) on a class. */
function optionOf(type: object, property: string): OptionDefinition | undefined {
  for (const entry of configEntries(type as ConfigClass))
    if (entry.kind === 'option' && entry.option.property === property) return entry.option;
  return undefined;
}
