import { readFileSync } from 'node:fs';
import { configSections, renderHelp } from '@daedalus/common';
import { COORDINATOR_SERVICE } from '../../apps/coordinator/src/coordinator-config';
import { GATEWAY_SERVICE } from '../../apps/gateway/src/gateway-config';
import { AGENT_SERVICE } from '../../apps/node-agent/src/agent-config';
import { configurationReference, REFERENCE_PATH } from '../../scripts/config-reference';

const SERVICES = [GATEWAY_SERVICE, COORDINATOR_SERVICE, AGENT_SERVICE];

describe('the configuration reference', () => {
  it('docs/configuration.md is what the config classes say (run `npm run docs:config` after changing a setting)', () => {
    expect(readFileSync(REFERENCE_PATH, 'utf8')).toBe(configurationReference());
  });

  it.each(SERVICES.map((service) => [service.name, service] as const))('lists every setting of the %s, in --help too', (_name, service) => {
    const reference = configurationReference();
    const help = renderHelp(service);
    for (const { options } of configSections(service.config)) {
      for (const option of options) {
        if (option.flag) {
          expect(reference).toContain(`\`--${option.flag}\``);
          expect(help).toContain(`--${option.flag}`);
        }
        for (const name of option.env) {
          expect(reference).toContain(`\`${name}\``);
          expect(help).toContain(name);
        }
      }
    }
  });

  it('the README links to it', () => {
    expect(readFileSync(REFERENCE_PATH.replace(/docs\/configuration\.md$/, 'README.md'), 'utf8')).toContain('(docs/configuration.md)');
  });
});
