import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfigForDisplay, redactSecrets } from './config-view';

const YAML = `# the cluster
cluster_name: 'prod'
initial_token: 42
server_encryption_options:
  internode_encryption: all
  keystore: /etc/keystore
  keystore_password: hunter2
  truststore_password: "s3cret"
client_encryption_options:
  enabled: false
  keystore_password:
data_file_directories:
  - /var/lib/cassandra/data
`;

describe('cassandra.yaml for GET /config', () => {
  it('keeps comments and settings, redacting only secret values', () => {
    const shown = redactSecrets(YAML);
    expect(shown).toContain('# the cluster');
    expect(shown).toContain("cluster_name: 'prod'");
    expect(shown).toContain('initial_token: 42');
    expect(shown).toContain('keystore: /etc/keystore');
    expect(shown).toContain('keystore_password: "[redacted]"');
    expect(shown).toContain('truststore_password: "[redacted]"');
    expect(shown).not.toMatch(/hunter2|s3cret/);
    expect(shown).toContain('  - /var/lib/cassandra/data');
  });

  it('refuses a file that is not YAML, or missing, or too large', async () => {
    expect(() => redactSecrets('a: [unclosed')).toThrow(/not valid YAML/);
    const dir = mkdtempSync(join(tmpdir(), 'config-view-'));
    await expect(readConfigForDisplay(dir)).rejects.toThrow(/does not exist/);
    writeFileSync(join(dir, 'cassandra.yaml'), `# ${'x'.repeat(600 * 1024)}\n`);
    await expect(readConfigForDisplay(dir)).rejects.toThrow(/more than/);
    writeFileSync(join(dir, 'cassandra.yaml'), YAML);
    expect((await readConfigForDisplay(dir)).yaml).toContain("cluster_name: 'prod'");
  });
});
