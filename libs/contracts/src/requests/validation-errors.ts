import { ValidationError } from 'class-validator';

/** class-validator's nested errors as one list, each naming its full path ("retention.keepWithin"). */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): Array<{ field: string; message: string }> {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((text) => ({
      field,
      // class-validator names the leaf property only; name the full path so nested fields are clear.
      message: text.startsWith(`${error.property} `) ? `${field}${text.slice(error.property.length)}` : `${field}: ${text}`,
    }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}
