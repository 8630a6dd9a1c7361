import { confinedPathsOf, FieldError, isWithinAnyRoot, NodeRegistration, OperationRequest, outsideRootsMessage } from '@daedalus/contracts';

const nodeName = (node: NodeRegistration) => `${node.hostId} (${node.address})`;

/**
 * The directories a request names (an import's sourceDir, a restore's staging and config directories, a
 * `file://` store) that a target agent does not allow, judged from the roots it registered. The gateway cannot
 * see a node's filesystem, so this is lexical; the agent checks again with symbolic links resolved. Targets
 * whose agent registered no roots (older agents) are left to the agent's own check.
 */
export function rootErrors(request: OperationRequest, targets: NodeRegistration[]): FieldError[] {
  const known = targets.filter((t) => t.roots !== undefined);
  if (known.length === 0) return [];
  const errors: FieldError[] = [];
  for (const confined of confinedPathsOf(request)) {
    const lacking = known.filter((t) => !isWithinAnyRoot(confined.path, t.roots?.[confined.kind] ?? []));
    if (lacking.length === 0) continue;
    const where = lacking.length < known.length || known.length > 1 ? ` on node(s) ${lacking.map(nodeName).join(', ')}` : '';
    errors.push({ field: confined.field, message: outsideRootsMessage(confined, lacking[0].roots?.[confined.kind] ?? [], where) });
  }
  return errors;
}
