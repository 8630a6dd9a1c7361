/**
 * Icarus's `dc` may name several data centers, comma-separated ("dc1,dc2"). The data centers a request
 * names, or undefined when it names none (every data center).
 */
export function requestedDcs(dc: string | undefined): string[] | undefined {
  if (!dc) return undefined;
  const names = [...new Set(dc.split(',').map((name) => name.trim()))].filter((name) => name !== '');
  return names.length > 0 ? names : undefined;
}

/** Whether a node in data center `nodeDc` is among those the request's `dc` names. */
export function inRequestedDcs(dc: string | undefined, nodeDc: string): boolean {
  const names = requestedDcs(dc);
  return names === undefined || names.includes(nodeDc);
}
