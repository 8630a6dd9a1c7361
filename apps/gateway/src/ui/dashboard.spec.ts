import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { serveDashboard } from './dashboard';

/** A raw request: the path goes on the wire as written (fetch and supertest would normalise `..`). */
function get(server: Server, path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serveDashboard (the static shell at /ui)', () => {
  let dir: string;
  let server: Server;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dashboard-'));
    const root = join(dir, 'ui');
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>shell</title>');
    writeFileSync(join(root, 'assets', 'index-1KsFvhCJ.js'), 'console.log(1)');
    writeFileSync(join(root, 'assets', 'index-Dy5lkv-V.css'), 'body{}');
    writeFileSync(join(root, '.env'), 'SECRET=1');
    writeFileSync(join(dir, 'secret.txt'), 'outside the root');
    const app = express();
    app.use(serveDashboard(root));
    // stands for the authentication middleware and the API behind it
    app.use((_req, res) => void res.status(401).send('api'));
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at /ui, /ui/ and for any page path (the page routes itself), never cached', async () => {
    for (const path of ['/ui', '/ui/', '/ui/backups', '/ui/operations/0b5c9c9e-3d5e-4a9b-9a0e-1d2c3b4a5f6e']) {
      const reply = await get(server, path);
      expect({ path, status: reply.status, type: reply.headers['content-type'] }).toEqual({
        path,
        status: 200,
        type: 'text/html; charset=utf-8',
      });
      expect(reply.body).toContain('<title>shell</title>');
      expect(reply.headers['cache-control']).toBe('no-cache');
      expect(reply.headers['content-security-policy']).toContain("default-src 'self'");
      expect(reply.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('serves hashed assets with their content type, cached for good', async () => {
    const js = await get(server, '/ui/assets/index-1KsFvhCJ.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.body).toBe('console.log(1)');
    const css = await get(server, '/ui/assets/index-Dy5lkv-V.css');
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    const head = await get(server, '/ui/assets/index-1KsFvhCJ.js', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('answers 404 for a missing file (no index.html in place of a script)', async () => {
    const reply = await get(server, '/ui/assets/missing-12345678.js');
    expect(reply.status).toBe(404);
    expect(reply.body).not.toContain('shell');
  });

  it('never serves a file outside its root, nor a dotfile', async () => {
    for (const path of [
      '/ui/../secret.txt',
      '/ui/..%2fsecret.txt',
      '/ui/%2e%2e/secret.txt',
      '/ui/%2e%2e%2fsecret.txt',
      '/ui/assets/..%2f..%2fsecret.txt',
      '/ui/..%5csecret.txt',
      '/ui/.env',
      '/ui/%2eenv',
      '/ui/index.html%00.js',
      '/ui/%E0%A4%A',
    ]) {
      const reply = await get(server, path);
      expect({ path, leaked: reply.body.includes('outside the root') || reply.body.includes('SECRET') }).toEqual({ path, leaked: false });
      expect({ path, served: reply.status === 200 && !reply.body.includes('shell') }).toEqual({ path, served: false });
    }
  });

  it('leaves other paths and other methods to the API (and its authentication)', async () => {
    expect((await get(server, '/operations')).body).toBe('api');
    expect((await get(server, '/uix')).body).toBe('api');
    expect((await get(server, '/ui/', 'POST')).body).toBe('api');
    expect((await get(server, '/ui/index.html', 'DELETE')).body).toBe('api');
  });
});
