import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Subjects } from '@daedalus/contracts';
import { hostIdsOf, serverConfig } from '../../scripts/nats-config';
import { agentIdentity, identities } from '../../scripts/nats/permissions';

const DEPLOY = join(__dirname, '..', '..', 'deploy', 'nats');
const A = '5f3c1a52-8d4e-4b7a-9c2f-1e6d0b8a7f31';
const B = 'a4e9b0c7-2f61-4d38-8b15-7c0e9d3f6a52';

describe('the least-privilege nats-server configuration (deploy/nats)', () => {
  it('deploy/nats/nats-server.conf is what scripts/nats-config.ts writes for host-ids.example (generate it again after a change)', () => {
    const hostIds = hostIdsOf(new Map([['host-ids-file', join(DEPLOY, 'host-ids.example')]]));
    expect(hostIds).toEqual([A, B]);
    const written = serverConfig({ hostIds, auth: 'password-env', keysDir: 'unused', storeDir: '/data/jetstream' });
    expect(readFileSync(join(DEPLOY, 'nats-server.conf'), 'utf8')).toBe(written);
    expect(written).not.toMatch(/no_auth_user/);
  });

  it('gives an agent no subject of another node: every subject naming a node names its own', () => {
    const { publish, subscribe } = agentIdentity(A).permissions;
    for (const subject of [...publish, ...subscribe]) {
      expect({ subject, other: subject.includes(B) }).toEqual({ subject, other: false });
      // wildcards only where the other tokens pin it to this node or to a fixed stream
      if (/(^|\.)(\*|>)($|\.)/.test(subject)) expect({ subject, own: subject.includes(A) }).toEqual({ subject, own: true });
    }
    expect(publish).not.toContain(Subjects.submit);
    expect(publish.some((subject) => subject.startsWith('$KV.daedalus-operations'))).toBe(false);
    expect(publish.some((subject) => subject.startsWith('daedalus.commands'))).toBe(false);
  });

  it('lets no identity read all traffic or any reply subjects but its own', () => {
    for (const identity of identities([A, B])) {
      const { subscribe, publish } = identity.permissions;
      expect(subscribe).not.toContain('>');
      expect(subscribe).not.toContain('_INBOX.>');
      expect(subscribe.filter((subject) => subject.startsWith('_INBOX'))).toEqual([`${identity.inboxPrefix}.>`]);
      expect(publish).not.toContain('>');
      expect(publish).not.toContain('$JS.API.>');
    }
  });
});
