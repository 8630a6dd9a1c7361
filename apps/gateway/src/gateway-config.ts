import { ConfigReader } from '@daedalus/common';

export class GatewayConfig {
  readonly host: string;
  readonly port: number;
  /** host ID or address of the node this gateway stands beside (Icarus's "local node"), if any */
  readonly localNode?: string;
  readonly maxBodyBytes: number;
  readonly nodeTimeoutMs: number;
  /** how long /status, /version/* and /topology wait for a node agent's live answer before using the registry */
  readonly nodeQueryTimeoutMs: number;

  constructor(config: ConfigReader) {
    this.host = config.string('http-host', '127.0.0.1');
    this.port = config.number('http-port', 4567);
    this.localNode = config.string('local-node');
    this.maxBodyBytes = config.number('max-body-bytes', 256 * 1024);
    this.nodeTimeoutMs = config.number('node-timeout-ms', 30_000);
    this.nodeQueryTimeoutMs = config.number('node-query-timeout-ms', 3_000);
  }
}
