import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isRole, Role, ROLES } from './roles';

/**
 * The API tokens file: one entry a line, `<name> <role> sha256:<64 hex digits>`; `#` starts a comment.
 * The file holds each token's SHA-256, never the token. Tokens are 256 random bits (see `newToken`), so a slow
 * password hash (scrypt) would add no strength; SHA-256 lets every request be checked against every entry in
 * constant time without letting a flood of bad tokens burn the gateway's CPU.
 */
export interface TokenEntry {
  name: string;
  role: Role;
  hash: Buffer;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const HASH = /^sha256:([0-9a-f]{64})$/;

/** Parses the file's text; an error names the line and what is wrong with it, never what the line says. */
export function parseTokenFile(text: string): TokenEntry[] {
  const entries: TokenEntry[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const where = `line ${index + 1}`;
    const fields = line.split(/\s+/);
    if (fields.length !== 3) {
      problems.push(`${where}: needs 3 fields (<name> <role> sha256:<hex>), has ${fields.length}`);
      return;
    }
    const [name, role, hash] = fields;
    const match = HASH.exec(hash.toLowerCase());
    if (!NAME.test(name)) problems.push(`${where}: the name must be 1 to 64 letters, digits, '.', '_', '@' or '-'`);
    else if (entries.some((e) => e.name === name)) problems.push(`${where}: the name ${name} is used twice`);
    if (!isRole(role)) problems.push(`${where}: the role must be one of ${ROLES.join(', ')}`);
    if (!match) problems.push(`${where}: the third field must be sha256:<64 hex digits> (the token's hash, never the token)`);
    if (NAME.test(name) && isRole(role) && match) entries.push({ name, role, hash: Buffer.from(match[1], 'hex') });
  });
  if (problems.length > 0) throw new Error(problems.join('; '));
  return entries;
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * The entry whose hash is the token's. Every entry is compared, each in constant time, so how long this takes
 * says nothing about which entry (or how much of one) the token resembles.
 */
export function findToken(entries: readonly TokenEntry[], token: string): TokenEntry | undefined {
  const hash = hashToken(token);
  let found: TokenEntry | undefined;
  for (const entry of entries) {
    if (timingSafeEqual(entry.hash, hash) && !found) found = entry;
  }
  return found;
}

/** A new random token (256 bits) and its line for the tokens file. */
export function newToken(name: string, role: Role, token?: string): { token: string; line: string } {
  token ??= `dae_${randomBytes(32).toString('base64url')}`;
  if (!NAME.test(name)) throw new Error(`the name must be 1 to 64 letters, digits, '.', '_', '@' or '-'`);
  return { token, line: `${name} ${role} sha256:${hashToken(token).toString('hex')}` };
}
