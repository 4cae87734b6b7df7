// The dashboard in a real browser: Debian's chromium, driven by playwright-core, against
// host-sim on a mosquitto that checks passwords (so a wrong one is refused), with the page's
// MQTT over WebSocket relayed by host-sim. Without /usr/bin/chromium (a laptop) it skips.
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMosquitto } from './helpers/brokers.js';
import { Cleanup, waitFor } from './helpers/wait.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const CLI = join(HERE, '..', 'host-sim', 'cli.js');
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACT = join(HERE, '..', 'artifacts', 'dashboard.png'); // build/artifacts/dashboard.png

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.log('dashboard test skipped: no ' + CHROMIUM + ' (Debian: apt-get install chromium)');
const maybe = hasChromium ? test : test.skip;

maybe('dashboard in chromium: readings of every device on the chart, a cut device reconnects, a wrong password is shown refused', async (t) => {
  t.timeout(90000);
  const c = new Cleanup();
  t.teardown(() => c.run());
  const broker = await startMosquitto({ passwords: { sim: 'secret' } });
  c.add(() => broker.close());
  const sim = spawn(process.execPath, [CLI, '--broker', `mqtt://sim:secret@127.0.0.1:${broker.port}`, '--devices', '3',
    '--interval', '500', '--quiet', '--dashboard-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  sim.stdout.on('data', (d) => (out += d));
  sim.stderr.on('data', (d) => (out += d));
  c.add(() => { sim.kill('SIGKILL'); });
  await waitFor(() => /dashboard: http:\/\/127\.0\.0\.1:\d+\//.test(out) && /subscriber on/.test(out), 20000, 'host-sim with its dashboard');
  const url = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)![1];

  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'mcu-mqtt-chromium-'));
  c.add(() => rmSync(profile, { recursive: true, force: true }));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  c.add(() => browser.close());
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(url);

  // The page's own MqttClient connects over WebSocket and the tiles appear.
  await page.locator('#link.up').waitFor({ timeout: 10000 });
  for (const id of ['sim-1', 'sim-2', 'sim-3']) {
    await page.locator(`.tile[data-device="${id}"][data-state="connected"]`).waitFor({ timeout: 10000 });
  }
  // Each device's readings reach the chart (a line per device).
  // (functions run in the page: no DOM types here, so they reach it through globalThis)
  await page.waitForFunction(() => {
    const p = (globalThis as unknown as { hostSim: { chartPoints(): Record<string, number> } }).hostSim.chartPoints();
    return ['sim-1', 'sim-2', 'sim-3'].every((id) => (p[id] || 0) >= 3);
  }, undefined, { timeout: 15000 });
  t.is(await page.locator('#chart canvas').count() > 0, true, 'uPlot drew a canvas');

  // Cut sim-1's link: the tile shows it reconnecting, then connected again.
  const seen: string[] = [];
  const watch = setInterval(() => {
    page.locator('.tile[data-device="sim-1"]').getAttribute('data-state').then((s) => { if (s && seen[seen.length - 1] !== s) seen.push(s); }, () => {});
  }, 50);
  await page.locator('.tile[data-device="sim-1"] button.cut').click();
  await page.locator('.tile[data-device="sim-1"] .counts').filter({ hasText: /reconnects [1-9]/ }).waitFor({ timeout: 15000 });
  await page.locator('.tile[data-device="sim-1"][data-state="connected"]').waitFor({ timeout: 15000 });
  clearInterval(watch);
  t.true(seen.indexOf('connecting') >= 0, 'states seen: ' + seen.join(' → '));
  t.regex(await page.locator('.tile[data-device="sim-1"] .error').innerText(), /CONNECTION_LOST — .*link cut from the dashboard/);

  // Add a device with a wrong password: its tile shows the broker's refusal.
  await page.fill('#add-password', 'wrong');
  await page.click('#add');
  await page.locator('.tile[data-device="sim-4"][data-state="stopped"]').waitFor({ timeout: 15000 });
  t.regex(await page.locator('.tile[data-device="sim-4"] .error').innerText(), /CONNACK_REFUSED_(NOT_AUTHORIZED|BAD_CREDENTIALS) — /);
  t.regex(await page.locator('#top-error').innerText(), /1 device\(s\): CONNACK_REFUSED_/);
  // its readings wait in its outbox: the tile must not show one as if the broker had it
  await page.locator('.tile[data-device="sim-4"] .reading').filter({ hasText: /°C/ }).waitFor({ timeout: 15000 });
  t.regex(await page.locator('.tile[data-device="sim-4"] .reading').innerText(), /°C \(queued, not sent yet\)$/);
  t.regex(await page.locator('.tile[data-device="sim-1"] .reading').innerText(), /°C$/, 'a connected device\'s reading is plain');
  t.regex(await page.locator('#control-result').innerText(), /added 1 device\(s\): sim-4 with the password given/);
  t.regex(await page.locator('#events').innerText(), /temp\/status: online/);

  mkdirSync(dirname(ARTIFACT), { recursive: true });
  await page.screenshot({ path: ARTIFACT, fullPage: true });
  t.log('screenshot: ' + ARTIFACT);
  t.deepEqual(pageErrors, []);
});
