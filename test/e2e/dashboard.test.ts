/**
 * The web dashboard (/ui) in headless Chromium (Debian's, driven by playwright-core) against a real system:
 * 2 simulated nodes, agents, a coordinator, the gateway with API tokens and no anonymous access, a file store.
 * A wrong token is refused with the gateway's 401; with the right one the page starts a backup, shows it reach
 * COMPLETED without a reload, and lists it under its storage location; schedules with their next and last runs are
 * created, suspended, resumed and deleted from the page. The page loads nothing but the gateway.
 * Screenshots go to $DASHBOARD_SCREENSHOTS when set (docs/screenshots for the README), else to the temp dir.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { newToken } from '../../apps/gateway/src/auth/token-file';
import { makeTempDir, removeDir } from '../support/processes';
import { DaedalusSystem, OperationView } from '../support/system';

const CHROMIUM = '/usr/bin/chromium';
// without the background flags Chromium keeps calling Google services, which a closed network refuses loudly
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const UI_TIMEOUT_MS = 60_000;

/** Runs in the page (a string: this file is typed for Node, not the DOM): reports each state the operation page shows. */
const RECORD_STATES = `
  window.notReloaded = true;
  let last = '';
  new MutationObserver(() => {
    const state = document.querySelector('[data-testid=operation-state]')?.textContent ?? '';
    if (state && state !== last) {
      last = state;
      window.recordState(state);
    }
  }).observe(document.body, { subtree: true, childList: true, characterData: true });
`;

describe('web dashboard at /ui (headless Chromium)', () => {
  let dir: string;
  let shots: string;
  let system: DaedalusSystem;
  let browser: Browser;
  let location: string;
  const admin = newToken('dashboard-e2e', 'admin');
  const viewer = newToken('dashboard-viewer', 'viewer');
  /** every URL a page asked for: all must be the gateway's */
  const requested: string[] = [];
  /** script errors and Content-Security-Policy violations (a refused API call's console line is expected) */
  const pageProblems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: scripts/ensure-system-deps.sh --tests installs Debian's chromium`);
    dir = makeTempDir('dashboard');
    shots = process.env.DASHBOARD_SCREENSHOTS ?? join(dir, 'screenshots');
    mkdirSync(shots, { recursive: true });
    location = `file://${dir}/store/bucket`;
    const tokensFile = join(dir, 'api-tokens');
    writeFileSync(tokensFile, `${admin.line}\n${viewer.line}\n`);
    system = await DaedalusSystem.start({
      nodes: 2,
      coordinators: 1,
      gatewayAuth: { anonymousRole: false, token: admin.token },
      gatewayArgs: ['--api-tokens-file', tokensFile],
    });
    await system.createTables('shop', ['orders', 'customers'], 100);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
    if (dir) removeDir(dir);
  }, 60_000);

  async function newPage(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    page.on('request', (request) => requested.push(request.url()));
    page.on('pageerror', (error) => pageProblems.push(error.message));
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) pageProblems.push(message.text());
    });
    return page;
  }

  async function signIn(page: Page, token: string): Promise<void> {
    await page.goto(`${system.gatewayUrl}/ui/`);
    await page.locator('input[name=token]').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  it('serves the shell without credentials while every API call still needs them', async () => {
    const shell = await fetch(`${system.gatewayUrl}/ui/backups`);
    expect(shell.status).toBe(200);
    expect(shell.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await shell.text();
    const script = /src="(\/ui\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${system.gatewayUrl}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${system.gatewayUrl}/nodes`)).status).toBe(401);
    expect((await fetch(`${system.gatewayUrl}/ui/`, { method: 'POST' })).status).toBe(401);
  });

  it('shows the gateway’s 401 for a wrong token and stays on the sign-in form', async () => {
    const page = await newPage();
    await signIn(page, 'dae_not-a-token-the-gateway-knows');
    const error = page.getByTestId('error');
    await expect(error.textContent()).resolves.toContain('401 Unauthorized');
    expect(await error.textContent()).toMatch(/Authorization/);
    expect(await page.locator('input[name=token]').isVisible()).toBe(true);
    expect(await page.evaluate(() => sessionStorage.getItem('daedalus.token'))).toBeNull();
    await page.screenshot({ path: join(shots, 'sign-in-refused.png') });
    await page.close();
  });

  it('shows the 403 of a call the token’s role may not make (a viewer starting a backup), and submits nothing', async () => {
    const page = await newPage();
    await signIn(page, viewer.token);
    await page.getByTestId('nodes').waitFor();
    await page.getByRole('link', { name: 'Start a backup' }).click();
    await page.locator('input[name=storageLocation]').fill(location);
    await page.getByRole('button', { name: 'Start backup' }).click();
    const error = await page.getByTestId('error').textContent();
    expect(error).toMatch(/^403 Forbidden/);
    expect(error).toContain('needs the operator role; token:dashboard-viewer has viewer');
    expect(page.url()).toBe(`${system.gatewayUrl}/ui/backup`);
    expect((await system.get('/operations?type=backup')).body).toEqual([]);
    await page.close();
  });

  it('signs in, starts a backup, watches it reach COMPLETED live, and finds it in the backups list', async () => {
    const page = await newPage();
    await signIn(page, admin.token);

    // the nodes page: both nodes, live, heartbeating
    const nodeRows = page.getByTestId('nodes').locator('tbody tr');
    await expect(waitForCount(nodeRows, 2)).resolves.toBe(2);
    for (const registration of await system.registrations()) {
      const nodeRow = page.getByTestId('nodes').locator('tr', { hasText: registration.hostId });
      await nodeRow.getByText('live', { exact: true }).waitFor();
      expect(await nodeRow.textContent()).toContain(`${registration.cassandraVersion} / ${registration.agentVersion}`);
    }
    // the backup form
    await page.getByRole('link', { name: 'Start a backup' }).click();
    await page.locator('input[name=storageLocation]').fill(location);
    await page.locator('input[name=snapshotTag]').fill('dash');
    await page.locator('input[name=createMissingBucket]').check();
    // every state the operation page shows, in order, seen by the page itself; and a mark a reload would wipe
    const states: string[] = [];
    await page.exposeFunction('recordState', (state: string) => states.push(state));
    await page.evaluate(RECORD_STATES);
    await page.getByRole('button', { name: 'Start backup' }).click();

    await page.getByTestId('operation-state').filter({ hasText: 'COMPLETED' }).waitFor({ timeout: 150_000 });
    expect(await page.evaluate('window.notReloaded')).toBe(true);
    expect(states[0]).toMatch(/^(PENDING|RUNNING)$/);
    expect(states[states.length - 1]).toBe('COMPLETED');
    expect(states).not.toContain('FAILED');
    const id = await page.getByTestId('operation').getAttribute('data-operation-id');
    // fed by the event stream when the gateway has one (it replays a final operation, then ends), else by polling
    const stream = await fetch(`${system.gatewayUrl}/operations/${id}/events`, { headers: { authorization: `Bearer ${admin.token}` } });
    await stream.body?.cancel();
    expect([200, 404]).toContain(stream.status);
    const feed = stream.status === 200 ? 'live updates by event stream' : 'live updates by polling every second';
    expect(await page.getByTestId('operation').textContent()).toContain(feed);
    expect(page.url()).toBe(`${system.gatewayUrl}/ui/operations/${id}`);
    const nodeStates = await page.getByTestId('operation-nodes').locator('tbody tr .state').allTextContents();
    expect(nodeStates).toEqual(['COMPLETED', 'COMPLETED']);
    const backupName = (await page.getByTestId('backup-name').textContent()) ?? '';
    expect(backupName).toMatch(/^dash-\d+$/);
    await page.screenshot({ path: join(shots, 'operation.png') });

    // what the page showed is what the API says
    const operation = (await system.get(`/operations/${id}`)).body as OperationView;
    expect(operation.state).toBe('COMPLETED');
    expect(operation.submittedBy).toBe('token:dashboard-e2e');
    expect(JSON.stringify(operation.response)).toContain(backupName);

    // the backups list for that location (the page remembers it)
    await page.getByRole('link', { name: 'Backups' }).click();
    expect(await page.locator('input[name=storageLocation]').inputValue()).toBe(location);
    await page.getByRole('button', { name: 'List' }).click();
    const row = page.locator(`tr[data-backup="${backupName}"]`);
    await row.waitFor();
    expect(await row.locator('.nodes-count').textContent()).toBe('2/2');

    // the operations list shows it, newest first
    await page.getByRole('link', { name: 'Operations' }).click();
    await page
      .getByTestId('operations')
      .locator('tbody tr')
      .first()
      .filter({ hasText: id ?? '' })
      .waitFor();

    // Restore… on the backup's row opens the restore form for it, which asks for the dry-run plan first:
    // either the plan, or the gateway's 400 naming dryRun
    await page.getByRole('link', { name: 'Backups' }).click();
    await page.getByRole('button', { name: 'List' }).click();
    await row.getByRole('button', { name: 'Restore…' }).click();
    expect(await page.locator('input[name=snapshotTag]').inputValue()).toBe(backupName);
    expect(await page.locator('input[name=storageLocation]').inputValue()).toBe(location);
    await page.getByRole('button', { name: 'Show the plan (dry run)' }).click();
    // a completed plan, or the 400 of a gateway without dryRun (a plan still running matches neither)
    const plan = page.locator('[data-testid=restore-plan][data-state=COMPLETED]');
    const refusal = page.getByTestId('error');
    await plan.or(refusal).first().waitFor({ timeout: 120_000 });
    if (await refusal.isVisible()) {
      // the gateway refuses the unknown field, and the page says so and offers no restore
      expect(await refusal.textContent()).toMatch(/^400 Bad Request.*dryRun/s);
      expect(await page.getByTestId('no-dry-run').isVisible()).toBe(true);
      expect(await page.getByRole('button', { name: 'Restore as planned' }).count()).toBe(0);
    } else {
      // each node's plan names the backup; the real restore is offered only now
      const planRows = plan.locator('tbody tr');
      expect(await planRows.count()).toBe(2);
      for (const text of await planRows.allTextContents()) expect(text).toContain(backupName);
      expect(await plan.getByRole('button', { name: 'Restore as planned' }).isEnabled()).toBe(true);
    }
    // whatever the gateway, nothing but a dry run was submitted
    const restores = (await system.get('/operations?type=restore')).body as Array<OperationView & { dryRun?: boolean }>;
    expect(restores.filter((r) => r.dryRun !== true)).toEqual([]);
    await page.screenshot({ path: join(shots, 'restore-plan.png'), fullPage: true });

    // a verify of the backup (through the API): the nodes page shows it beside the last backup
    const verify = await system.post('/operations', {
      type: 'verify',
      storageLocation: location,
      backupName,
      globalRequest: true,
      mode: 'full',
    });
    expect(verify.status).toBe(201);
    expect((await system.waitForOperation((verify.body as OperationView).id, undefined, 120_000)).state).toBe('COMPLETED');

    // the backups list shows it verified
    await page.getByRole('link', { name: 'Backups' }).click();
    await page.getByRole('button', { name: 'List' }).click();
    await row.locator('.verified.passed').waitFor();
    expect(await row.locator('.verified').textContent()).toBe('passed');
    expect(await row.textContent()).toContain('(full, 2 nodes)');
    await page.screenshot({ path: join(shots, 'backups.png') });

    // back on the nodes page: each node's last successful backup is this one's, and its last verify
    await page.getByRole('link', { name: 'Nodes' }).click();
    await page.getByTestId('nodes').locator('td.last-backup', { hasNotText: '—' }).nth(1).waitFor();
    const lastBackups = await page.getByTestId('nodes').locator('td.last-backup').allTextContents();
    expect(lastBackups).toHaveLength(2);
    expect(lastBackups).not.toContain('—');
    await page.getByTestId('nodes').locator('td.last-verify', { hasNotText: '—' }).nth(1).waitFor();
    expect(await page.getByTestId('nodes').locator('td.last-verify').count()).toBe(2);
    await page.screenshot({ path: join(shots, 'nodes.png') });

    // nothing but the gateway: no CDN, no font service
    expect(requested.length).toBeGreaterThan(0);
    expect(requested.filter((url) => !url.startsWith(`${system.gatewayUrl}/`))).toEqual([]);
    expect(pageProblems).toEqual([]);
    await page.close();
  });
  it('cancels a running operation from its page (two clicks) and shows it reach CANCELLED live', async () => {
    // 4 MiB per node to a new bucket at 256 KB/s: still uploading when the cancel arrives
    await system.createTables('bulk', ['blobs'], 0);
    for (const node of system.nodes) await system.simOf(node).generateSSTables('bulk', 'blobs', 4, 1024 * 1024);
    const slow = await system.post('/operations', {
      type: 'backup',
      storageLocation: `file://${dir}/store/slow-bucket`,
      createMissingBucket: true,
      entities: 'bulk',
      snapshotTag: 'slow',
      globalRequest: true,
      bandwidth: { value: 256, unit: 'KBPS' },
    });
    expect(slow.status).toBe(201);
    const id = (slow.body as OperationView).id;
    await system.waitForOperation(id, (op) => op.state === 'RUNNING' && op.phase === 'UPLOAD');
    const page = await newPage();
    await signIn(page, admin.token);
    await page.getByTestId('nodes').waitFor();
    await page.goto(`${system.gatewayUrl}/ui/operations/${id}`);
    await page.getByTestId('operation-state').filter({ hasText: 'RUNNING' }).waitFor();
    await page.getByRole('button', { name: 'Cancel operation…' }).click();
    await page.getByRole('button', { name: 'Confirm: cancel this operation' }).click();
    await page.getByTestId('operation-state').filter({ hasText: 'CANCELLED' }).waitFor({ timeout: 120_000 });
    expect(await page.getByRole('button', { name: 'Cancel operation…' }).count()).toBe(0);
    expect((await system.get(`/operations/${id}`)).body).toMatchObject({ state: 'CANCELLED', cancelRequested: true });
    expect(pageProblems).toEqual([]);
    await page.close();
  }, 180_000);

  it('shows schedules with next and last runs; the form shows the 400 by field; suspends, resumes and deletes from the page', async () => {
    // one made through the API: a nightly backup inside a window (it does not fire during the test)
    const nightly = {
      id: 'nightly-backup',
      request: { type: 'backup', globalRequest: true, storageLocation: location, snapshotTag: 'nightly' },
      schedule: '0 2 * * *',
      timeZone: 'Europe/Berlin',
      window: { start: '01:00', duration: '4h' },
    };
    expect((await system.post('/schedules', nightly)).status).toBe(201);

    const page = await newPage();
    await signIn(page, admin.token);
    await page.getByRole('link', { name: 'Schedules' }).click();
    const nightlyRow = page.locator('tr[data-schedule="nightly-backup"]');
    await nightlyRow.waitFor();
    expect(await nightlyRow.locator('.schedule-state').textContent()).toBe('active');
    expect(await nightlyRow.locator('.next-runs li').count()).toBe(3);
    expect(await nightlyRow.textContent()).toContain('window 01:00 for 4h');

    // the create form: the gateway's 400 shown by field, then created
    await page.getByRole('link', { name: 'New schedule…' }).click();
    await page.locator('input[name=id]').fill('flush-often');
    await page.locator('input[name=schedule]').fill('@every 2s');
    await page.locator('input[name=timeZone]').fill('Mars/Olympus');
    await page.locator('textarea[name=request]').fill(JSON.stringify({ type: 'flush', keyspace: 'shop', globalRequest: true }));
    await page.getByRole('button', { name: 'Create schedule' }).click();
    const refusal = page.getByTestId('error');
    expect(await refusal.textContent()).toMatch(/^400 Bad Request/);
    expect(await refusal.locator('li code').allTextContents()).toEqual(['timeZone']);
    expect((await system.get('/schedules/flush-often')).status).toBe(404);
    await page.locator('input[name=timeZone]').fill('');
    await page.getByRole('button', { name: 'Create schedule' }).click();

    // its own page: the next fire times, then runs with their operations
    const schedule = page.locator('[data-testid=schedule][data-schedule="flush-often"]');
    await schedule.waitFor();
    expect(page.url()).toBe(`${system.gatewayUrl}/ui/schedules/flush-often`);
    expect(await schedule.getByTestId('next-runs').locator('li').count()).toBe(5);
    const completedRun = schedule.getByTestId('schedule-runs').locator('tbody tr', { hasText: 'COMPLETED' }).first();
    await completedRun.waitFor({ timeout: 90_000 });
    const operationId = await completedRun.getAttribute('data-operation-id');
    expect(await completedRun.locator('.run-state').textContent()).toBe('submitted');
    // the run's operation, one click away
    await completedRun.getByRole('link').click();
    await page.getByTestId('operation-state').filter({ hasText: 'COMPLETED' }).waitFor();
    expect(page.url()).toBe(`${system.gatewayUrl}/ui/operations/${operationId}`);
    expect(await page.getByTestId('operation').textContent()).toContain('by schedule:flush-often');
    await page.goBack();
    await schedule.getByTestId('schedule-runs').locator('tbody tr', { hasText: 'COMPLETED' }).first().waitFor();
    await page.screenshot({ path: join(shots, 'schedule.png') });

    // suspend it from its page: the state changes, no next runs, the rest of the definition kept
    await schedule.getByRole('button', { name: 'Suspend' }).click();
    await schedule.locator('.schedule-state', { hasText: 'suspended' }).waitFor();
    expect(await schedule.getByTestId('next-runs').textContent()).toBe('None while suspended.');
    expect((await system.get('/schedules/flush-often')).body).toMatchObject({
      suspended: true,
      schedule: '@every 2s',
      timeZone: 'UTC',
      request: { type: 'flush', keyspace: 'shop', globalRequest: true },
    });

    // the list: suspend and resume the nightly backup
    await page.getByRole('link', { name: 'Schedules' }).click();
    const oftenRow = page.locator('tr[data-schedule="flush-often"]');
    await oftenRow.locator('.schedule-state', { hasText: 'suspended' }).waitFor();
    expect(await oftenRow.locator('.last-runs li.run').count()).toBeGreaterThan(0);
    await nightlyRow.getByRole('button', { name: 'Suspend' }).click();
    await nightlyRow.locator('.schedule-state', { hasText: 'suspended' }).waitFor();
    expect(await nightlyRow.locator('.next-runs').textContent()).toBe('—');
    await nightlyRow.getByRole('button', { name: 'Resume' }).click();
    await nightlyRow.locator('.schedule-state', { hasText: 'active' }).waitFor();
    await nightlyRow.locator('.next-runs li').nth(2).waitFor();
    expect((await system.get('/schedules/nightly-backup')).body).toMatchObject({ ...nightly, suspended: false });
    await page.screenshot({ path: join(shots, 'schedules.png') });

    // a viewer sees them, and the gateway's 403 when suspending
    const viewerPage = await newPage();
    await signIn(viewerPage, viewer.token);
    await viewerPage.getByRole('link', { name: 'Schedules' }).click();
    const viewerRow = viewerPage.locator('tr[data-schedule="nightly-backup"]');
    await viewerRow.getByRole('button', { name: 'Suspend' }).click();
    expect(await viewerRow.getByTestId('error').textContent()).toMatch(/^403 Forbidden.*needs the operator role/s);
    expect((await system.get('/schedules/nightly-backup')).body).toMatchObject({ suspended: false });
    await viewerPage.close();

    // delete, two clicks
    await nightlyRow.getByRole('button', { name: 'Delete…' }).click();
    await nightlyRow.getByRole('button', { name: 'Confirm: delete nightly-backup' }).click();
    await nightlyRow.waitFor({ state: 'detached' });
    expect((await system.get('/schedules/nightly-backup')).status).toBe(404);

    expect(requested.filter((url) => !url.startsWith(`${system.gatewayUrl}/`))).toEqual([]);
    expect(pageProblems).toEqual([]);
    await page.close();
  }, 240_000);
});

describe('web dashboard with --anonymous-role (no token)', () => {
  let system: DaedalusSystem;
  let browser: Browser;

  beforeAll(async () => {
    system = await DaedalusSystem.start({ nodes: 1, coordinators: 1, gatewayAuth: { anonymousRole: 'viewer' } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  }, 60_000);

  it('opens on the nodes page without asking for a token', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    await page.goto(`${system.gatewayUrl}/ui/`);
    await page.getByTestId('nodes').locator('tr', { hasText: system.nodes[0].hostId }).waitFor();
    expect(await page.getByText('anonymous access').isVisible()).toBe(true);
    expect(await page.locator('input[name=token]').count()).toBe(0);
    await page.close();
  });
});

/** Waits until the locator matches `count` elements, and says how many it found. */
async function waitForCount(locator: ReturnType<Page['locator']>, count: number): Promise<number> {
  await locator.nth(count - 1).waitFor();
  return locator.count();
}
