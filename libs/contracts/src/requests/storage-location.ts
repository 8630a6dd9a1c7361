import { registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';
// by path, not the barrel: the barrel loads every cloud SDK, and the public protocol needs none of them
import { parseAnyLocation } from '@daedalus/storage/location';

/** Why a storage location is unusable, or undefined when it is fine in node form or as a bucket/prefix. */
export function storageLocationProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'storageLocation must be a string';
  try {
    parseAnyLocation(value);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** protocol://bucket/cluster/dc/node or protocol://bucket[/prefix], protocol s3, gcp (gs), azure or file. */
export function IsStorageLocation(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isStorageLocation',
      target: target.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate: (value: unknown) => storageLocationProblem(value) === undefined,
        defaultMessage: (args?: ValidationArguments) => `${args?.property ?? 'storageLocation'}: ${storageLocationProblem(args?.value)}`,
      },
    });
}
