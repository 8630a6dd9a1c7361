import {
  NodeCommandMessage,
  OperationRequest,
  openRequestSecrets,
  parseOperationRequest,
  RequestValidationError,
  SecretSealer,
} from '@daedalus/contracts';
import { SecretScrubber } from './secret-scrubber';

/**
 * The one place a command's request becomes what executors read: validated, with its sealed secrets
 * (`kmsKeyId`, `proxySettings.proxyUsername`, `proxySettings.proxyPassword`) opened to plain values. A secret
 * that cannot be opened (no key, another key, altered, sealed for another operation, not sealed at all) is a
 * RequestValidationError naming the field; the value is never quoted.
 */
export class CommandRequests {
  /** `keyring`: the agent's request secrets keys (--request-secrets-key-file), if it holds any */
  constructor(
    private readonly keyring: SecretSealer | undefined,
    private readonly scrubber: SecretScrubber,
  ) {}

  open(command: NodeCommandMessage): OperationRequest {
    const request = parseOperationRequest(command.request);
    const { errors, opened } = openRequestSecrets(request, command.operationId, this.keyring);
    if (errors.length > 0) throw new RequestValidationError('invalid', errors);
    this.scrubber.remember(opened);
    return request;
  }
}
