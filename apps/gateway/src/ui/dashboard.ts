import { existsSync, statSync } from 'node:fs';
import { basename, extname, isAbsolute, join, relative, resolve } from 'node:path';
import type { NextFunction, Request, Response } from 'express';

/** Where `npm run build` puts the dashboard (vite build ui → dist/ui): from dist/apps/gateway/src/ui, or from the sources (ts-node). */
const ABOVE_APPS = resolve(__dirname, '..', '..', '..', '..');
export const DASHBOARD_DIR = basename(ABOVE_APPS) === 'dist' ? join(ABOVE_APPS, 'ui') : join(ABOVE_APPS, 'dist', 'ui');

export const DASHBOARD_PREFIX = '/ui';

/**
 * What the browser may load on these pages: only this gateway (scripts, styles, API calls), never a CDN —
 * the dashboard runs where there is no internet, and a page injected with a foreign script must not run it.
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** The types the build emits; anything else is served as bytes to download, never sniffed. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Vite names what it bundles by content hash (assets/index-1KsFvhCJ.js): such a URL never changes content. */
const HASHED_ASSET = /^assets\/[^/]+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;

/**
 * Serves the dashboard's static files at /ui, before authentication: the shell holds no data and no secret
 * (the page asks for a token and sends it on every API call, which is authenticated like any client's).
 * Only GET and HEAD; a path that is not a file gets index.html (the page routes itself), unless it names a file
 * (has an extension), which gets a 404. Paths are resolved inside `root` and refused otherwise.
 */
export function serveDashboard(root: string = DASHBOARD_DIR) {
  const rootDir = resolve(root);
  const index = join(rootDir, 'index.html');
  return (request: Request, response: Response, next: NextFunction): void => {
    const path = request.path;
    if (path !== DASHBOARD_PREFIX && !path.startsWith(`${DASHBOARD_PREFIX}/`)) return next();
    // anything but a read of the shell goes through authentication like every other request (and gets its 401/404)
    if (request.method !== 'GET' && request.method !== 'HEAD') return next();
    if (!existsSync(index)) {
      response.status(404).type('text/plain').send('the dashboard is not built: run `npm run build` (vite build ui → dist/ui)\n');
      return;
    }
    const file = fileFor(rootDir, path.slice(DASHBOARD_PREFIX.length));
    if (file === 'refused') {
      response.status(400).type('text/plain').send('path: not a file of the dashboard\n');
      return;
    }
    if (file === undefined && extname(path) !== '') {
      response.status(404).type('text/plain').send('path: no such file in the dashboard\n');
      return;
    }
    send(response, file ?? index, rootDir);
  };
}

/** The regular file `urlPath` names inside `rootDir`; undefined when there is none; 'refused' when it points outside. */
function fileFor(rootDir: string, urlPath: string): string | undefined | 'refused' {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return 'refused';
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return 'refused';
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s.startsWith('.'))) return 'refused'; // no parent, no dotfiles
  if (segments.length === 0) return undefined;
  const candidate = resolve(rootDir, ...segments);
  const inside = relative(rootDir, candidate);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return 'refused';
  try {
    return statSync(candidate).isFile() ? candidate : undefined;
  } catch {
    return undefined;
  }
}

function send(response: Response, file: string, rootDir: string): void {
  const name = relative(rootDir, file).split('\\').join('/');
  const cacheControl = HASHED_ASSET.test(name) ? 'public, max-age=31536000, immutable' : 'no-cache';
  response.sendFile(
    name,
    {
      root: rootDir,
      dotfiles: 'deny',
      cacheControl: false,
      headers: {
        'Content-Type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
        'Cache-Control': cacheControl,
        'Content-Security-Policy': CONTENT_SECURITY_POLICY,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'X-Frame-Options': 'DENY',
      },
    },
    (error?: Error) => {
      // the client went away, or the file vanished under us (a rebuild): nothing more to say on a started answer
      if (error && !response.headersSent) response.status(404).type('text/plain').send('path: no such file in the dashboard\n');
    },
  );
}
