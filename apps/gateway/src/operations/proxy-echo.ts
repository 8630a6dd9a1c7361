import { FieldError, OperationRequest, PROXY_TYPED_FIELDS } from '@daedalus/contracts';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `proxySettings.sentAsText` is the gateway's to set: a client sending it is refused, naming it. */
export function proxyEchoErrors(body: unknown): FieldError[] {
  const proxy = isObject(body) ? body.proxySettings : undefined;
  return isObject(proxy) && 'sentAsText' in proxy
    ? [{ field: 'proxySettings.sentAsText', message: 'proxySettings.sentAsText: set by the gateway, not accepted from a request' }]
    : [];
}

/** Notes which typed proxy settings the client sent as strings (before parsing turned them into booleans and numbers). */
export function rememberProxyTypes(body: unknown, request: OperationRequest): void {
  const proxy = isObject(body) ? body.proxySettings : undefined;
  if (!isObject(proxy) || !('proxySettings' in request) || !request.proxySettings) return;
  const asText = PROXY_TYPED_FIELDS.filter((field) => typeof proxy[field] === 'string' && request.proxySettings?.[field] !== undefined);
  if (asText.length > 0) request.proxySettings.sentAsText = asText;
}

/** The request's proxy settings in the types the client sent them (and without the gateway's note). */
export function echoProxySettings(request: Record<string, unknown>): Record<string, unknown> {
  const proxy = request.proxySettings;
  if (!isObject(proxy)) return request;
  const { sentAsText, ...settings } = proxy;
  for (const field of Array.isArray(sentAsText) ? sentAsText : []) {
    if (typeof field === 'string' && settings[field] !== undefined) settings[field] = String(settings[field]);
  }
  return { ...request, proxySettings: settings };
}
