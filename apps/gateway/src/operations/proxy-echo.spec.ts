import { parseOperationRequest } from '@daedalus/contracts';
import { echoProxySettings, proxyEchoErrors, rememberProxyTypes } from './proxy-echo';

const body = (proxySettings: Record<string, unknown>) => ({ type: 'backup', storageLocation: 's3://b/c/d/n', proxySettings });

function roundTrip(sent: Record<string, unknown>): Record<string, unknown> {
  const request = parseOperationRequest(body(sent));
  rememberProxyTypes(body(sent), request);
  return echoProxySettings(request as unknown as Record<string, unknown>).proxySettings as Record<string, unknown>;
}

describe('proxy settings echo', () => {
  it('comes back in the types the Go client sent (strings)', () => {
    expect(roundTrip({ useProxy: 'true', proxyHost: 'proxy.local', proxyPort: '3128', proxyProtocol: 'HTTP' })).toEqual({
      useProxy: 'true',
      proxyHost: 'proxy.local',
      proxyPort: '3128',
      proxyProtocol: 'HTTP',
    });
  });

  it('comes back typed when sent typed, and mixed when sent mixed', () => {
    expect(roundTrip({ useProxy: true, proxyHost: 'p', proxyPort: 3128 })).toEqual({ useProxy: true, proxyHost: 'p', proxyPort: 3128 });
    expect(roundTrip({ useProxy: true, proxyHost: 'p', proxyPort: '3128' })).toEqual({ useProxy: true, proxyHost: 'p', proxyPort: '3128' });
  });

  it('is parsed typed for the agents, the note kept apart', () => {
    const request = parseOperationRequest(body({ useProxy: 'true', proxyHost: 'p', proxyPort: '3128' }));
    rememberProxyTypes(body({ useProxy: 'true', proxyPort: '3128' }), request);
    expect(request).toMatchObject({ proxySettings: { useProxy: true, proxyPort: 3128, sentAsText: ['useProxy', 'proxyPort'] } });
  });

  it('refuses a client that sends the gateway note itself', () => {
    expect(proxyEchoErrors(body({ useProxy: true, sentAsText: ['useProxy'] }))).toEqual([
      { field: 'proxySettings.sentAsText', message: expect.stringContaining('not accepted') },
    ]);
    expect(proxyEchoErrors(body({ useProxy: true }))).toEqual([]);
  });
});
