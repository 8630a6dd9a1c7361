import { readFileSync } from 'node:fs';
import { isRole, ROLES } from './auth/roles';
import { newToken } from './auth/token-file';

const USAGE = `Usage: node dist/apps/gateway/src/make-token.js <name> <role> [--stdin]

Makes an API token for the gateway's --api-tokens-file. Prints the file's line (name, role and the token's
SHA-256, never the token) on stdout, so that ">> tokens-file" appends it, and the token itself on stderr: give it
to the client, it is kept nowhere else. With --stdin, hashes the token read from standard input instead of
making a new one. Roles: ${ROLES.join(', ')}.
`;

function main(argv: string[]): number {
  const stdin = argv.includes('--stdin');
  const [name, role, ...rest] = argv.filter((a) => a !== '--stdin');
  if (argv.includes('--help') || argv.includes('-h') || !name || !role || rest.length > 0) {
    process.stderr.write(USAGE);
    return argv.includes('--help') || argv.includes('-h') ? 0 : 2;
  }
  if (!isRole(role)) {
    process.stderr.write(`the role must be one of ${ROLES.join(', ')}\n`);
    return 2;
  }
  const given = stdin ? readFileSync(0, 'utf8').trim() : undefined;
  if (given !== undefined && given.length < 16) {
    process.stderr.write('a token must be at least 16 characters (make one without --stdin: 256 random bits)\n');
    return 2;
  }
  try {
    const { token, line } = newToken(name, role, given);
    process.stdout.write(`${line}\n`);
    if (!stdin) process.stderr.write(`token for ${name} (${role}), shown once:\n${token}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
}

process.exitCode = main(process.argv.slice(2));
