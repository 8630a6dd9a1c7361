import { createHash } from 'node:crypto';

/**
 * JSON with every object's keys in sorted order, so that two services that built the same value — in whatever
 * key order, one of them after a JSON round trip or a DTO conversion — get the same bytes to hash or sign.
 * Like JSON.stringify it leaves out undefined fields and functions.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(JSON.parse(JSON.stringify(value ?? null)) as unknown));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
  return sorted;
}

/**
 * The digest a node entry keeps of the node-local request its commands carry (`NodeProgress.requestDigest`):
 * an agent runs a command only when its request has the digest the record names for the node, so a command
 * with a request no operation planned is refused even where anyone may publish commands.
 */
export function requestDigest(request: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(request)).digest('hex')}`;
}

/** Two requests are the same operation when their canonical forms are equal (key order does not count). */
export function sameRequest(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
