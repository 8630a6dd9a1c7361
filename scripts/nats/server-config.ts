/**
 * Renders a nats-server.conf (the syntax of nats-server 2.9 and later) for the identities of
 * scripts/nats/permissions.ts: JetStream on, one user per identity with its permissions, and no anonymous
 * access (no `no_auth_user`: a client without credentials is refused at connect).
 */
import { Identity } from './permissions';

/**
 * How a user proves who it is: an nkey (the server holds only the public key), a password written into the
 * file, or a password the server reads from its own environment when it loads the file (`$VARIABLE`).
 */
export type Credential = { nkey: string } | { password: string } | { passwordVariable: string };

function renderCredential(identity: Identity, credential: Credential): string {
  if ('nkey' in credential) return `nkey: ${quote(credential.nkey)}`;
  const password = 'password' in credential ? quote(credential.password) : `$${credential.passwordVariable}`;
  return `user: ${quote(identity.name)}, password: ${password}`;
}

export interface ServerConfigOptions {
  /** `host:port` clients connect to */
  listen: string;
  /** JetStream's store directory; none: the server's `-sd` flag says (the test harness gives one) */
  storeDir?: string;
  /** what each service sets (NATS_NKEY=... or NATS_USER/NATS_PASSWORD), for the comments; never a secret */
  howToConnect: (identity: Identity) => string;
}

const quote = (value: string) => JSON.stringify(value);
const list = (values: string[], indent: string) => `[\n${values.map((v) => `${indent}  ${quote(v)}`).join(',\n')}\n${indent}]`;

function renderUser(identity: Identity, credential: Credential, options: ServerConfigOptions): string {
  const { publish, subscribe, allowResponses } = identity.permissions;
  return [
    `    # ${identity.role}: ${options.howToConnect(identity)} NATS_INBOX_PREFIX=${identity.inboxPrefix}`,
    '    {',
    `      ${renderCredential(identity, credential)}`,
    '      permissions: {',
    `        publish: { allow: ${list(publish, '        ')} }`,
    `        subscribe: { allow: ${list(subscribe, '        ')} }`,
    ...(allowResponses ? ['        allow_responses: true'] : []),
    '      }',
    '    }',
  ].join('\n');
}

export function renderServerConfig(users: Array<{ identity: Identity; credential: Credential }>, options: ServerConfigOptions): string {
  return [
    '# nats-server configuration for Daedalus, written by scripts/nats-config.ts (do not edit by hand: generate it',
    '# again). One identity per service, each allowed only the subjects it needs: docs/design.md, "NATS permissions".',
    '# A node that joins needs an identity: generate again with its host ID, then `nats-server --signal reload`.',
    '# There is no anonymous user: a client without credentials is refused at connect.',
    `listen: ${quote(options.listen)}`,
    '',
    ...(options.storeDir ? ['jetstream {', `  store_dir: ${quote(options.storeDir)}`, '}'] : ['jetstream: enabled']),
    '',
    'authorization {',
    '  users: [',
    users.map(({ identity, credential }) => renderUser(identity, credential, options)).join('\n'),
    '  ]',
    '}',
    '',
  ].join('\n');
}
