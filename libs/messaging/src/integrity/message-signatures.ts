import { NodeCommandMessage, NodeEventMessage } from '@daedalus/contracts';
import { SignaturePurpose, SigningKey } from './signing-key';

type Signed = { signature?: string };

function unsigned<T extends Signed>(message: T): Omit<T, 'signature'> {
  const { signature: _signature, ...rest } = message;
  return rest;
}

function sign<T extends Signed>(key: SigningKey | undefined, purpose: SignaturePurpose, message: T): T {
  if (!key) return message;
  const bare = unsigned(message);
  return { ...bare, signature: key.mac(purpose, bare) } as T;
}

function signatureProblem<T extends Signed>(key: SigningKey | undefined, purpose: SignaturePurpose, message: T): string | undefined {
  if (!key) return undefined;
  if (message.signature === undefined) return `the ${purpose} is not signed`;
  return key.verifies(purpose, unsigned(message), message.signature) ? undefined : `the ${purpose}'s signature does not verify`;
}

/** A coordinator's command, signed when a key is configured (unchanged otherwise). */
export function signCommand(key: SigningKey | undefined, command: NodeCommandMessage): NodeCommandMessage {
  return sign(key, 'command', command);
}

/** Why an agent must not trust this command's origin, or undefined (always undefined without a key). */
export function commandSignatureProblem(key: SigningKey | undefined, command: NodeCommandMessage): string | undefined {
  return signatureProblem(key, 'command', command);
}

/** An agent's event, signed when a key is configured (unchanged otherwise). */
export function signEvent(key: SigningKey | undefined, event: NodeEventMessage): NodeEventMessage {
  return sign(key, 'event', event);
}

/** Why a coordinator must not trust this event's origin, or undefined (always undefined without a key). */
export function eventSignatureProblem(key: SigningKey | undefined, event: NodeEventMessage): string | undefined {
  return signatureProblem(key, 'event', event);
}
