/**
 * HTTP agents that send every request of a client through a forward proxy: plain-HTTP endpoints as
 * absolute-URI requests to the proxy, HTTPS endpoints through a CONNECT tunnel (TLS end to end with the
 * store). Proxy basic authentication comes from the proxy's username and password, which live only inside
 * the agents: never in a name, a message or a log line.
 */
import { createRequire } from 'node:module';
import type { Agent as HttpAgent } from 'node:http';
import { StorageProxy } from '../features';

type HttpProxyAgentModule = typeof import('http-proxy-agent', { with: { 'resolution-mode': 'import' } });
type HttpsProxyAgentModule = typeof import('https-proxy-agent', { with: { 'resolution-mode': 'import' } });

// Both packages are ES modules: loaded on first use (Node's require of ESM), so a process that never
// asks for a proxy — and Jest, which cannot require ESM — never loads them.
const load = createRequire(__filename);

export interface ProxyAgents {
  httpAgent: HttpAgent;
  httpsAgent: HttpAgent;
}

/** The proxy as a URL with its credentials percent-encoded (the agents decode them for Proxy-Authorization). */
export function proxyUrl(proxy: StorageProxy): URL {
  const url = new URL(`${proxy.protocol}://placeholder`);
  url.hostname = proxy.host;
  url.port = String(proxy.port);
  if (proxy.username !== undefined) url.username = encodeURIComponent(proxy.username);
  if (proxy.password !== undefined) url.password = encodeURIComponent(proxy.password);
  return url;
}

export function proxyAgents(proxy: StorageProxy, options: { maxSockets?: number } = {}): ProxyAgents {
  const { HttpProxyAgent } = load('http-proxy-agent') as HttpProxyAgentModule;
  const { HttpsProxyAgent } = load('https-proxy-agent') as HttpsProxyAgentModule;
  const url = proxyUrl(proxy);
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 50 };
  return { httpAgent: new HttpProxyAgent(url, agentOptions), httpsAgent: new HttpsProxyAgent(url, agentOptions) };
}
