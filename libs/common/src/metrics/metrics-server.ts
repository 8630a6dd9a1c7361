import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { MetricsRegistry } from './metrics-registry';

/**
 * The metrics-only HTTP listener of a service without an HTTP API: `GET /metrics` and nothing else (404). It
 * reads no request body and holds no secret; started and stopped with the service.
 */
export class MetricsServer {
  private server?: Server;

  constructor(
    private readonly metrics: MetricsRegistry,
    private readonly settings: { port: number; address: string },
  ) {}

  /** Listens (unless the port is 0); resolves to the bound port, undefined when off. */
  async start(): Promise<number | undefined> {
    if (this.settings.port === 0) return undefined;
    const server = createServer((request, response) => void this.answer(request, response));
    // a scraper keeps its connection; closing the service must not wait for it
    server.keepAliveTimeout = 5_000;
    server.requestTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.settings.port, this.settings.address, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics') return end(response, 404, 'text/plain', 'not found: only /metrics is served here\n');
    if (request.method !== 'GET' && request.method !== 'HEAD') return end(response, 405, 'text/plain', 'GET /metrics only\n');
    try {
      const text = await this.metrics.text();
      end(response, 200, this.metrics.contentType, request.method === 'HEAD' ? '' : text);
    } catch {
      end(response, 500, 'text/plain', 'metrics could not be collected\n');
    }
  }
}

function end(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  response.end(body);
}
