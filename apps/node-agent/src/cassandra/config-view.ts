import { isPair, isScalar, parseDocument, visit } from 'yaml';
import { FileSystem, localFileSystem } from '../adapters/filesystem';
import { cassandraYamlPath } from './cassandra-yaml';

/** Larger than any real cassandra.yaml (~100 KiB with every comment), well under a NATS message. */
export const MAX_CONFIG_BYTES = 512 * 1024;

export const REDACTED = '[redacted]';

/** Settings whose values are secrets (keystore/truststore passwords, LDAP credentials...): never leave the node. */
const SECRET_KEY = /pass(word|phrase)|secret|credential/i;

/**
 * cassandra.yaml as Icarus's GET /config serves it, with the values of secret settings replaced by
 * `[redacted]` (comments and every other setting kept). A file that is not YAML is refused, not passed on.
 */
export async function readConfigForDisplay(configDir: string, fs: FileSystem = localFileSystem): Promise<{ path: string; yaml: string }> {
  const path = cassandraYamlPath(configDir);
  const info = await fs.stat(path);
  if (!info?.isFile) throw new Error(`${path} does not exist`);
  if (info.size > MAX_CONFIG_BYTES) throw new Error(`${path} is ${info.size} bytes, more than ${MAX_CONFIG_BYTES} a cassandra.yaml can be`);
  return { path, yaml: redactSecrets(await fs.readText(path), path) };
}

export function redactSecrets(text: string, source = 'cassandra.yaml'): string {
  const document = parseDocument(text);
  if (document.errors.length > 0) throw new Error(`${source} is not valid YAML: ${document.errors[0].message}`);
  visit(document, {
    Pair(_key, pair) {
      if (!isPair(pair) || !isScalar(pair.key) || !SECRET_KEY.test(String(pair.key.value))) return undefined;
      if (pair.value === null || (isScalar(pair.value) && (pair.value.value === null || pair.value.value === ''))) return undefined;
      pair.value = document.createNode(REDACTED);
      return visit.SKIP;
    },
  });
  return document.toString();
}
