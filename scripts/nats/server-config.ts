/**
 * Renders a nats-server.conf (the syntax of nats-server 2.9 and later) for the identities of
 * scripts/nats/permissions.ts: JetStream on, one user per identity with its permissions, and no anonymous
 * access (no `no_auth_user`: a client without credentials is refused at connect).
 */
import { Identity } from './permissions';

/** How a user proves who it is: an nkey (the server holds only the public key) or a password. */
export type Credential = { nkey: string } | { password: string };

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
  const who = 'nkey' in credential ? `nkey: ${quote(credential.nkey)}` : `user: ${quote(identity.name)}, password: ${quote(credential.password)}`;
  const { publish, subscribe, allowResponses } = identity.permissions;
  return [
    `    # ${identity.role}: ${options.howToConnect(identity)} NATS_INBOX_PREFIX=${identity.inboxPrefix}`,
    '    {',
    `      ${who}`,
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
    '# A node that joins needs an identity: generate again with its host ID, `nats-server --signal reload`, then',
    '# `scripts/nats-config.ts provision` creates its command consumer. There is no anonymous user: a client',
    '# without credentials is refused.',
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
