import { Transform } from 'class-transformer';

/**
 * Icarus parses requests with Jackson configured leniently, and existing clients rely on it: enum values in
 * any case, booleans and numbers sent as strings, empty strings for absent optional fields. These transforms
 * accept exactly that and leave anything else untouched, so the validators then reject it naming the field.
 */

function emptyToUndefined(value: unknown): unknown {
  return value === '' || value === null ? undefined : value;
}

export function LenientBoolean(): PropertyDecorator {
  return Transform(({ value }) => {
    const v = emptyToUndefined(value);
    if (typeof v === 'string') {
      const lower = v.trim().toLowerCase();
      if (lower === 'true') return true;
      if (lower === 'false') return false;
    }
    return v;
  });
}

export function LenientNumber(): PropertyDecorator {
  return Transform(({ value }) => {
    const v = emptyToUndefined(value);
    if (typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) return Number(v);
    return v;
  });
}

export function LenientEnum(values: readonly string[]): PropertyDecorator {
  return Transform(({ value }) => {
    const v = emptyToUndefined(value);
    if (typeof v !== 'string') return v;
    const match = values.find((candidate) => candidate.toLowerCase() === v.trim().toLowerCase());
    return match ?? v;
  });
}

/** For optional strings: '' means "not given". */
export function EmptyAsUndefined(): PropertyDecorator {
  return Transform(({ value }) => emptyToUndefined(value));
}

/** A list field that some clients send as one comma-separated string. */
export function CommaSeparatedList(): PropertyDecorator {
  return Transform(({ value }) => {
    const v = emptyToUndefined(value);
    if (typeof v !== 'string') return v;
    return v
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.length > 0);
  });
}

/** Operation and host ids are UUIDs, compared and stored in lower case whatever case the client sent. */
export function LowercaseId(): PropertyDecorator {
  return Transform(({ value }) => {
    const v = emptyToUndefined(value);
    return typeof v === 'string' ? v.trim().toLowerCase() : v;
  });
}
