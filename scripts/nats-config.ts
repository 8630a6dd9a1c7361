/**
 * A least-privilege NATS deployment for Daedalus (docs/design.md, "NATS permissions"):
 *
 *   nats-config.ts config --host-ids <id,...> | --host-ids-file <file>  [--auth nkey|password|password-env] [--keys-dir <dir>]
 *                         [--clients <name,...>] [--listen 0.0.0.0:4222] [--store-dir /data/jetstream] [--out nats-server.conf]
 *     writes a nats-server.conf with one identity per service (gateway, coordinator, one per agent), and one per
 *     direct NATS client named (`client-<name>`: submit, cancel, resume, read records, watch announcements).
 *     Agents never write operation records (coordinators keep every record, a restore's ledger included). nkey (the
 *     default): each identity's seed is `<keys-dir>/<name>.nk` (made, mode 0600, when missing) and the config
 *     holds only public keys; the service reads its seed with NATS_NKEY. password: `NATS_PASSWORD_<NAME>` from
 *     the environment (name upper-cased, `-` as `_`), else `<keys-dir>/<name>.password` (made when missing); the
 *     config then holds the passwords, so keep it as secret as they are. password-env: the config names the
 *     variables (`password: $NATS_PASSWORD_GATEWAY`) and nats-server reads them from its own environment when it
 *     loads the file: no secret in the file (deploy/nats/nats-server.conf is written this way).
 *
 *   nats-config.ts provision [--host-ids <id,...> | --host-ids-file <file>] [--agent-ack-wait-ms 30000]
 *                            [--agent-max-attempts 5]
 *     connects with the NATS_* environment of an identity that may (the coordinators'), and creates the streams
 *     and buckets, which no identity but the coordinators' may create: services that start before any
 *     coordinator wait for them. With host IDs, also those agents' command consumers (an agent creates its own
 *     at start-up; give the agents' --ack-wait-ms and --max-attempts).
 *
 * Run with `npm run nats:config -- <command> ...` (node -r ts-node/register/transpile-only -r ./scripts/register-paths.js).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { nkeys } from '@nats-io/transport-node';
import { assertSubjectToken } from '@daedalus/contracts';
import { ConfigReader, readOptions } from '@daedalus/common';
import {
  agentConsumer,
  connectNats,
  ensureBuckets,
  openScheduleStore,
  ensureConsumer,
  ensureStreams,
  natsConfigFromEnv,
  TopologySettings,
} from '@daedalus/messaging';
import { Identity, identities } from './nats/permissions';
import { Credential, renderServerConfig } from './nats/server-config';

type Flags = Map<string, string>;
/** flags that no longer exist, and why: refused with the reason rather than taken as a value or ignored */
const RETIRED: Readonly<Record<string, string>> = {
  'agents-write-records': 'agents never write operation records now (coordinators keep a restore ledger): drop the flag',
};

function parseFlags(args: string[]): Flags {
  const flags: Flags = new Map();
  for (let i = 0; i < args.length; i++) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(args[i]);
    if (!match) throw new Error(`unexpected argument ${args[i]}`);
    if (Object.hasOwn(RETIRED, match[1])) throw new Error(`--${match[1]}: ${RETIRED[match[1]]}`);
    const value = match[2] ?? args[++i];
    if (value === undefined) throw new Error(`--${match[1]} needs a value`);
    flags.set(match[1], value);
  }
  return flags;
}

/** Host IDs from --host-ids (comma-separated) and --host-ids-file (one a line, `#` comments). */
export function hostIdsOf(flags: Flags): string[] {
  const listed = (flags.get('host-ids') ?? '').split(',');
  const file = flags.get('host-ids-file');
  const fromFile = file ? readFileSync(file, 'utf8').split(/\r?\n/) : [];
  const ids = [...listed, ...fromFile].map((id) => id.replace(/#.*/, '').trim()).filter((id) => id !== '');
  return ids.map((id) => assertSubjectToken(id, 'host ID'));
}

/** Where an identity's nkey seed is kept: what its service's NATS_NKEY names. */
export const nkeySeedPath = (keysDir: string, identity: Identity) => join(keysDir, `${identity.name}.nk`);

/** An nkey seed file, made when missing (readable by its owner only); returns the public key. */
function nkeyOf(keysDir: string, identity: Identity): string {
  const path = nkeySeedPath(keysDir, identity);
  if (!existsSync(path)) {
    writeFileSync(path, `${new TextDecoder().decode(nkeys.createUser().getSeed())}\n`, { mode: 0o600 });
  }
  const seed = readFileSync(path, 'utf8').trim();
  return nkeys.fromSeed(new TextEncoder().encode(seed)).getPublicKey();
}

/** The environment variable a password may come from: NATS_PASSWORD_AGENT_<HOST_ID>, NATS_PASSWORD_GATEWAY... */
export const passwordVariable = (identity: Identity) => `NATS_PASSWORD_${identity.name.toUpperCase().replace(/-/g, '_')}`;

function passwordOf(keysDir: string, identity: Identity, env: NodeJS.ProcessEnv): string {
  const fromEnv = env[passwordVariable(identity)];
  if (fromEnv) return fromEnv;
  const path = join(keysDir, `${identity.name}.password`);
  if (!existsSync(path)) {
    writeFileSync(path, `${Buffer.from(nkeys.createUser().getSeed()).toString('base64url').slice(0, 32)}\n`, { mode: 0o600 });
  }
  return readFileSync(path, 'utf8').trim();
}

export const AUTH_MODES = ['nkey', 'password', 'password-env'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

function credentialOf(auth: AuthMode, keysDir: string, identity: Identity, env: NodeJS.ProcessEnv): Credential {
  if (auth === 'nkey') return { nkey: nkeyOf(keysDir, identity) };
  if (auth === 'password') return { password: passwordOf(keysDir, identity, env) };
  return { passwordVariable: passwordVariable(identity) };
}

export interface ServerConfigRequest {
  /** the nodes' Cassandra host IDs: one agent identity each (none yet is fine: add them when they join) */
  hostIds: string[];
  /** direct NATS clients, one identity each */
  clients?: string[];
  auth: AuthMode;
  /** where the seeds or passwords are kept (made when missing) */
  keysDir: string;
  listen?: string;
  /** JetStream's store directory; none: `jetstream: enabled` (the server's `-sd` flag, or its default) */
  storeDir?: string;
}

/** The nats-server.conf text for these nodes, making any seed or password that is missing. */
export function serverConfig(request: ServerConfigRequest, env: NodeJS.ProcessEnv = process.env): string {
  const { auth, keysDir } = request;
  if (auth !== 'password-env') mkdirSync(keysDir, { recursive: true, mode: 0o700 });
  const users = identities(request.hostIds, request.clients).map((identity) => ({
    identity,
    credential: credentialOf(auth, keysDir, identity, env),
  }));
  return renderServerConfig(users, {
    listen: request.listen ?? '0.0.0.0:4222',
    storeDir: request.storeDir,
    howToConnect: (identity) =>
      auth === 'nkey'
        ? `NATS_NKEY=${nkeySeedPath(keysDir, identity)}`
        : `NATS_USER=${identity.name} NATS_PASSWORD=<$${passwordVariable(identity)}>`,
  });
}

export interface ProvisionRequest {
  hostIds: string[];
  /** the agents' --ack-wait-ms (default 30000) */
  agentAckWaitMs?: number;
  /** the agents' --max-attempts (default 5) */
  agentMaxAttempts?: number;
}

/**
 * Creates the streams and buckets (if missing), which only the coordinators' identity may, and each listed agent's consumer.
 * Connects with the NATS_* settings in `env`; returns what it did and what it left as it was.
 */
export async function provision(request: ProvisionRequest, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const nats = natsConfigFromEnv('daedalus-provision', env);
  const topology = readOptions(new TopologySettings(), new ConfigReader([], env)).toTopology(nats.replicas);
  const ackWaitMs = request.agentAckWaitMs ?? 30_000;
  const maxAttempts = request.agentMaxAttempts ?? 5;
  const said: string[] = [];
  const nc = await connectNats(nats);
  try {
    const jsm = await jetstreamManager(nc);
    await ensureStreams(jsm, topology, (message) => said.push(message));
    await ensureBuckets(nc, topology);
    await openScheduleStore(nc, topology);
    for (const hostId of request.hostIds) {
      await ensureConsumer(jsm, agentConsumer(hostId, ackWaitMs), { maxAttempts }, (message) => said.push(message));
      said.push(`consumer ${agentConsumer(hostId, ackWaitMs).durable} ready`);
    }
  } finally {
    await nc.close();
  }
  return said;
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const flags = parseFlags(rest);
  const hostIds = hostIdsOf(flags);
  if (command === 'config') {
    const auth = (flags.get('auth') ?? 'nkey') as AuthMode;
    if (!AUTH_MODES.includes(auth)) throw new Error(`--auth is one of ${AUTH_MODES.join(', ')}`);
    if (hostIds.length === 0) process.stderr.write('no host IDs given (--host-ids, --host-ids-file): no agent can connect yet\n');
    const text = serverConfig({
      hostIds,
      clients: (flags.get('clients') ?? '')
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name !== ''),
      auth,
      keysDir: flags.get('keys-dir') ?? 'nats-keys',
      listen: flags.get('listen'),
      storeDir: flags.get('store-dir') ?? '/data/jetstream',
    });
    const out = flags.get('out');
    if (out) {
      writeFileSync(out, text, { mode: 0o600 });
      chmodSync(out, 0o600);
      process.stderr.write(`wrote ${out}\n`);
    } else process.stdout.write(text);
  } else if (command === 'provision') {
    const number = (flag: string) => (flags.has(flag) ? Number(flags.get(flag)) : undefined);
    const said = await provision({ hostIds, agentAckWaitMs: number('agent-ack-wait-ms'), agentMaxAttempts: number('agent-max-attempts') });
    for (const line of said) process.stderr.write(`${line}\n`);
  } else {
    throw new Error('usage: nats-config.ts config|provision [flags] (see the comment at the top of scripts/nats-config.ts)');
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
