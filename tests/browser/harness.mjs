// What every browser check shares: Chromium from Debian launched the way that works headless as
// root, named checks with a pass/fail tally, axe-core on a screen, screenshots at phone and
// desktop size, and the Resend stand-in's outbox.

import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
export const AXE = require.resolve('axe-core/axe.min.js');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic'];
export const BASE = (process.env.STUDIO_URL || '').replace(/\/$/, '');
export const SHOTS = process.env.SCREENSHOT_DIR || new URL('./screenshots/', import.meta.url).pathname;
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };
export const NARROWEST = { width: 360, height: 740 };

const results = [];
let explain = async () => '';

/** What to print about the page when a check fails (its visible text, say). */
export function onFailure(describe) {
  explain = describe;
}

/** Runs one named check; a failure is recorded (with its message) and the run goes on only when
 *  `fatal` is false, since later checks often depend on earlier ones. */
export async function check(name, body, { fatal = true } = {}) {
  const started = Date.now();
  try {
    await body();
    results.push({ name, ok: true });
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name} (${Date.now() - started} ms)\n     ${String(error?.stack ?? error).split('\n').slice(0, 6).join('\n     ')}`);
    console.log(`     the page said: ${(await explain().catch(() => '')).slice(0, 1500)}`);
    if (fatal) throw new Error(`stopped after: ${name}`);
  }
}

export function summary() {
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  console.log(`${passed} passed, ${failed} failed`);
  return failed;
}

export function assert(condition, message) {
  if (!condition) throw new Error(message);
}

export async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
}

export function launchPersistent(dir) {
  return chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, args: ARGS, headless: true });
}

/** Console errors and uncaught exceptions of a page, for the final "no errors" check. The only
 *  tolerated ones are failed loads while the test holds the browser offline. */
export function watchErrors(page, errors) {
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource|ERR_INTERNET_DISCONNECTED/.test(m.text())) {
      errors.push(`${page.url()}: ${m.text()}`);
    }
  });
  page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
}

/** axe-core on the current screen: no serious or critical violation allowed. */
export async function axe(page, screen) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert(bad.length === 0, `axe on ${screen}: ${bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3)
    .map((n) => n.target.join(' ')).join(', ')}`).join('; ')}`);
}

/** Screenshots of the current screen at desktop and phone width (the viewport is restored),
 *  after checking that it fits 360 px. */
export async function shoot(page, screen) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/${screen}-desktop.png` });
  // The narrowest phone the app supports: nothing may stick out sideways.
  await page.setViewportSize(NARROWEST);
  await page.waitForTimeout(100);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert(wide <= NARROWEST.width, `${screen} is ${wide} px wide at ${NARROWEST.width} px`);
  await page.setViewportSize(PHONE);
  await page.waitForTimeout(150);
  await page.screenshot({ path: `${SHOTS}/${screen}-phone.png` });
  await page.setViewportSize(DESKTOP);
}

/** The newest message the Resend stand-in accepted for `to`. */
export async function mailTo(to) {
  for (let i = 0; i < 50; i++) {
    const messages = await (await fetch(`${BASE}/__outbox.json`)).json();
    const found = messages.find((m) => m.to.includes(to));
    if (found) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no e-mail to ${to} in the outbox`);
}
