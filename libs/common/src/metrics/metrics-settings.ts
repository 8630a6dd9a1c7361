import { IsIP } from 'class-validator';
import { IntRange } from '../config/constraints';
import { ConfigSection, Option } from '../config/option';

/**
 * Where a service without an HTTP API (coordinator, node agent) serves `/metrics`. Off by default: several
 * coordinators or agents often share a host, and a fixed default port would make the second one fail to start;
 * deployments set one port per process (deploy/docker, deploy/k8s).
 */
@ConfigSection({ title: 'Metrics' })
export class MetricsSettings {
  @Option({
    flag: 'metrics-port',
    description: 'port of the Prometheus /metrics listener (0: no listener)',
    default: 0,
  })
  @IntRange(0, 65535, 'a port number, or 0 for no listener')
  readonly port!: number;

  @Option({
    flag: 'metrics-address',
    description: 'address the /metrics listener binds (0.0.0.0 to let a scraper on another host in)',
    default: '127.0.0.1',
    placeholder: 'ip',
  })
  @IsIP(undefined, { message: '$property must be an IP address' })
  readonly address!: string;
}
