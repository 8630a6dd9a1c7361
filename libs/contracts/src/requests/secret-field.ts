import { registerDecorator } from 'class-validator';
import { isSealedSecret, maxSealedLength } from '../secrets/sealed-secret';

/**
 * A secret of a request (proxy credentials, a KMS key id): a string of at most `maxChars`, or the sealed form
 * of one (`sealed:v1:...`, how it travels past the gateway). The message never quotes the value.
 */
export function IsSecretString(maxChars: number): PropertyDecorator {
  const sealedMax = maxSealedLength(maxChars);
  return (target: object, key: string | symbol) =>
    registerDecorator({
      name: 'isSecretString',
      target: target.constructor,
      propertyName: String(key),
      validator: {
        validate: (value: unknown) => typeof value === 'string' && value.length <= (isSealedSecret(value) ? sealedMax : maxChars),
        defaultMessage: () => `$property must be a string of at most ${maxChars} characters (or its sealed form)`,
      },
    });
}
