import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DaedalusSystem, OperationView } from '../support/system';

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out;
}

/** Bytes the process read through read(2) and friends so far (Linux /proc/<pid>/io). */
export function bytesRead(pid: number): number {
  const match = /^rchar:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
  if (!match) throw new Error(`no rchar in /proc/${pid}/io`);
  return Number(match[1]);
}

export interface ManifestDoc {
  backupName: string;
  hostId: string;
  tables: Array<{
    keyspace: string;
    table: string;
    tableId: string;
    schemaCql?: string;
    files: Array<{ key: string; name: string; size: number; sha256: string }>;
  }>;
  totals: { files: number; bytes: number; uploadedFiles: number; uploadedBytes: number };
}

export async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

export interface BackupOutcome {
  operation: OperationView;
  backupName: string;
}

export async function runBackup(system: DaedalusSystem, body: Record<string, unknown>, timeoutMs = 120_000): Promise<BackupOutcome> {
  const response = await system.post('/operations', { type: 'backup', globalRequest: true, ...body });
  if (response.status !== 201) throw new Error(`backup refused: ${response.status} ${JSON.stringify(response.body)}`);
  const operation = await system.waitForOperation((response.body as OperationView).id, undefined, timeoutMs);
  const upload = (operation.response as { UPLOAD?: Record<string, { backupName: string }> } | undefined)?.UPLOAD;
  const backupName = upload ? Object.values(upload)[0]?.backupName : '';
  return { operation, backupName: backupName ?? '' };
}

/** Submits an operation through the gateway, which must accept it (201), and waits until it ends. */
export async function runOperation(system: DaedalusSystem, body: Record<string, unknown>, timeoutMs = 120_000): Promise<OperationView> {
  const response = await system.post('/operations', body);
  if (response.status !== 201) throw new Error(`${String(body.type)} refused: ${response.status} ${JSON.stringify(response.body)}`);
  return system.waitForOperation((response.body as OperationView).id, undefined, timeoutMs);
}
