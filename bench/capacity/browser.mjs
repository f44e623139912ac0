// What the app really downloads for a gallery page and an image view in Debian's Chromium, on a
// phone and a desktop screen, with the service worker and with service workers blocked: first
// visit, then a reload. The bytes are counted by the metered stack itself (its /__capacity/tally),
// so the service worker's own fetches count as much as the page's. Started by `capacity --browser`
// with STUDIO_URL, EMAIL and PASSWORD; prints one JSON line of results.

import { createRequire } from 'node:module';

// playwright-core from the browser tests' pinned install (tests/browser, `npm ci`).
const require = createRequire(new URL('../../tests/browser/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const BASE = process.env.STUDIO_URL.replace(/\/$/, '');
const { EMAIL, PASSWORD } = process.env;
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic'];
const SCREENS = [
  { name: 'phone 390 px, DPR 3', viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true },
  { name: 'desktop 1280 px, DPR 1', viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 },
];

/** Bytes and requests per service the stack has answered so far (its probe is not counted). */
async function tally() {
  const answer = await fetch(`${BASE}/__capacity/tally`, { headers: { 'x-capacity-probe': '1' } });
  return answer.json();
}

function since(before, after) {
  const out = {};
  for (const [service, bytes] of Object.entries(after.bytes)) out[service] = bytes - (before.bytes[service] ?? 0);
  return out;
}

/** Waits until the gallery's cards are on screen and every image the page asked for is loaded,
 *  scrolling to the end first so that lazy images below the fold load too (a person scrolls the page). */
async function settled(page) {
  await page.locator('a.card-link img').first().waitFor();
  for (let y = 0; y < 20; y += 1) {
    const done = await page.evaluate(() => {
      window.scrollBy(0, window.innerHeight);
      return window.innerHeight + window.scrollY >= document.body.scrollHeight - 2;
    });
    await page.waitForTimeout(150);
    if (done) break;
  }
  await page.waitForFunction(() => [...document.images].every((img) => img.complete), null, { timeout: 30_000 });
  await page.waitForTimeout(500);
}

/** One screen in one service-worker mode: sign in, then measure the gallery (first visit and a
 *  reload) and an image view (first, and again after a reload). */
async function measure(browser, screen, serviceWorkers) {
  const { name: _, ...options } = screen;
  const context = await browser.newContext({ ...options, serviceWorkers });
  const page = await context.newPage();
  await page.goto(`${BASE}/#/sign-in`);
  await page.locator('input[name=email]').fill(EMAIL);
  await page.locator('input[name=password]').fill(PASSWORD);
  await Promise.all([page.waitForFunction(() => location.hash.startsWith('#/generate')), page.locator('button[type=submit]').click()]);
  if (serviceWorkers === 'allow') await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await page.waitForTimeout(500);
  const result = {};
  const step = async (label, action) => {
    const before = await tally();
    await action();
    result[label] = since(before, await tally());
  };
  await step('gallery, first visit', async () => {
    await page.evaluate(() => { location.hash = '#/gallery'; });
    await settled(page);
  });
  await step('gallery, reload', async () => {
    await page.reload();
    await settled(page);
  });
  const href = await page.locator('a.card-link').first().getAttribute('href');
  const viewed = async () => {
    await page.locator('.image-figure img').first().waitFor();
    await page.waitForFunction(() => [...document.images].every((img) => img.complete), null, { timeout: 30_000 });
    await page.waitForTimeout(500);
  };
  await step('image view, first', async () => {
    await page.evaluate((h) => { location.hash = h; }, href);
    await viewed();
  });
  await step('image view, reload', async () => {
    await page.reload();
    await viewed();
  });
  await context.close();
  return result;
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: ARGS, headless: true });
try {
  const out = [];
  for (const screen of SCREENS) {
    for (const mode of ['allow', 'block']) {
      out.push({ screen: screen.name, serviceWorker: mode === 'allow', steps: await measure(browser, screen, mode) });
    }
  }
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}
