/**
 * A real HTTP forward proxy (the `proxy` package: absolute-URI requests and CONNECT tunnels) requiring Basic
 * authentication, for tests of `proxySettings`. Run as its own process (the package is an ES module, which
 * Jest cannot load): `--port`, `--log <file>`; the expected credentials come from PROXY_USER / PROXY_PASSWORD.
 * Every request it receives is appended to the log as one JSON line: method, target, whether it was let through.
 */
import { appendFileSync } from 'node:fs';
import { createServer, IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

type ProxyModule = typeof import('proxy', { with: { 'resolution-mode': 'import' } });
// an ES module: loaded through Node's require of ESM (this file is CommonJS)
const { createProxy } = createRequire(__filename)('proxy') as ProxyModule;

const { values } = parseArgs({ options: { port: { type: 'string' }, log: { type: 'string' } } });
const log = values.log ?? '/dev/null';
const expected = `Basic ${Buffer.from(`${process.env.PROXY_USER ?? ''}:${process.env.PROXY_PASSWORD ?? ''}`).toString('base64')}`;

const server = createProxy(createServer());
server.authenticate = (req: IncomingMessage): boolean => {
  const allowed = req.headers['proxy-authorization'] === expected;
  appendFileSync(log, JSON.stringify({ method: req.method, target: req.url, allowed }) + '\n');
  return allowed;
};
server.listen(Number(values.port ?? 0), '127.0.0.1', () => {
  const address = server.address();
  console.log(`test proxy listening on ${typeof address === 'object' && address ? address.port : '?'}`);
});
