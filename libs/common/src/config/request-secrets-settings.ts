import { readFileSync } from 'node:fs';
import { IsOptional, IsString } from 'class-validator';
import { ConfigSection, Option } from './option';
import { ConfigError } from './read-options';

const KEY_BYTES = 32;

/**
 * Reads request secrets keys: one per line, 32 bytes in base64 (`openssl rand -base64 32`) or 64 hex digits;
 * blank lines and `#` comments are skipped; the first key seals, every key opens. Problems name the line,
 * never its content.
 */
export function parseSecretKeys(text: string): Buffer[] {
  const keys: Buffer[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const value = line.trim();
    if (value === '' || value.startsWith('#')) return;
    let key: Buffer | undefined;
    if (/^[0-9a-fA-F]{64}$/.test(value)) key = Buffer.from(value, 'hex');
    else if (/^[A-Za-z0-9+/]{43}=?$/.test(value)) key = Buffer.from(value, 'base64');
    else if (/^[A-Za-z0-9_-]{43}$/.test(value)) key = Buffer.from(value, 'base64url');
    if (!key || key.length !== KEY_BYTES) throw new Error(`line ${index + 1} is not a ${KEY_BYTES}-byte key (base64, or 64 hex digits)`);
    keys.push(key);
  });
  if (keys.length === 0) throw new Error('it holds no key');
  return keys;
}

/**
 * The key that seals secrets in requests (proxy credentials, KMS key ids): gateways seal, node agents open,
 * coordinators never need it. From a file (preferred) or the environment; never logged, never sent.
 */
@ConfigSection({
  title: 'Request secrets',
  note: 'gateway and node agents only; every gateway and agent of a deployment holds the same key file',
})
export class RequestSecretsSettings {
  @Option({
    flag: 'request-secrets-key-file',
    description: 'file of the AES-256 keys that seal secrets in requests (first line seals; more lines: older keys that still open)',
    placeholder: 'file',
  })
  @IsOptional()
  @IsString()
  readonly keyFile?: string;

  @Option({
    env: 'DAEDALUS_REQUEST_SECRETS_KEY',
    description: 'the request secrets key itself (base64 of 32 bytes), when there is no key file',
    secret: true,
  })
  @IsOptional()
  @IsString()
  readonly key?: string;

  /** The keys, read now (start-up); undefined when none is configured. A bad file is a ConfigError naming it. */
  keys(): Buffer[] | undefined {
    if (this.keyFile !== undefined && this.key !== undefined) {
      throw new ConfigError(['--request-secrets-key-file and DAEDALUS_REQUEST_SECRETS_KEY: set one or the other']);
    }
    const [source, read] =
      this.keyFile !== undefined
        ? [`--request-secrets-key-file ${this.keyFile}`, () => readFileSync(this.keyFile as string, 'utf8')]
        : ['DAEDALUS_REQUEST_SECRETS_KEY', () => this.key];
    try {
      const text = read();
      return text === undefined ? undefined : parseSecretKeys(text);
    } catch (error) {
      throw new ConfigError([`${source}: ${error instanceof Error ? error.message : String(error)}`]);
    }
  }
}
