import type { Request } from 'express';

interface RouteLayer {
  route?: { methods?: Record<string, boolean> };
  match?: (path: string) => unknown;
}

/**
 * The methods the app's routes accept at `request.path`, read from Express's own router (so routes added by
 * any controller count without a list kept here). Empty when no route has this path: a true 404. Reads
 * Express 5 internals (router.stack, layer.match, route.methods); if those change, the answer is empty and
 * the gateway falls back to 404, which the fuzz test would catch.
 */
export function allowedMethods(request: Request): string[] {
  try {
    const stack = (request.app as unknown as { router?: { stack?: RouteLayer[] } }).router?.stack ?? [];
    const methods = new Set<string>();
    for (const layer of stack) {
      if (!layer.route?.methods || typeof layer.match !== 'function' || !layer.match(request.path)) continue;
      for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') methods.add(method.toUpperCase());
    }
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  } catch {
    return [];
  }
}
