// Lighthouse on the app's Generate and Gallery screens, served by a running studio-local
// (STUDIO_URL), signed in as a fresh user with eight images. Prints the four category scores per
// screen (VERBOSE=1: every audit short of full marks), writes the JSON reports to reports/, and exits non-zero below the targets (performance
// 95, accessibility 100, best practices 95). Run: STUDIO_URL=http://127.0.0.1:3000 node run.mjs

import { mkdirSync, writeFileSync } from 'node:fs';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import puppeteer from 'puppeteer-core';

const BASE = (process.env.STUDIO_URL || 'http://127.0.0.1:3000').replace(/\/$/, '');
const CHROME = process.env.CHROME_PATH || '/usr/bin/chromium';
const FLAGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const TARGETS = { performance: 0.95, accessibility: 1, 'best-practices': 0.95 };
const email = `lighthouse.${Date.now()}@example.com`;
const password = 'menara-suar-2026';

async function api(path, body, token) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(`${BASE}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  const envelope = await response.json();
  if (!envelope.success) throw new Error(`${path}: ${JSON.stringify(envelope.error)}`);
  return envelope.data;
}

/** A verified user with eight images, made through the API as any client would. */
async function arrange() {
  await api('/api/auth/register', { name: 'Lighthouse', email, password, locale: 'en' });
  const mail = (await (await fetch(`${BASE}/__outbox.json`)).json()).find((m) => m.to.includes(email));
  await api('/api/auth/verify-email', { token: mail.text.match(/token=([\w-]+)/)[1] });
  const { access_token: token } = await api('/api/auth/login', { email, password });
  for (const prompt of ['a red lighthouse on a rocky cliff', 'a paper boat on a rainy street']) {
    await api('/api/generate', { prompt, variations: 4 }, token);
  }
}

await arrange();
const chrome = await chromeLauncher.launch({ chromePath: CHROME, chromeFlags: FLAGS });
const failures = [];
try {
  const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}` });
  const page = await browser.newPage();
  await page.goto(`${BASE}/#/sign-in`);
  await page.waitForSelector('input[name=email]');
  await page.type('input[name=email]', email);
  await page.type('input[name=password]', password);
  await Promise.all([page.waitForFunction(() => location.hash.startsWith('#/generate')), page.click('button[type=submit]')]);
  await page.close();
  mkdirSync(new URL('./reports/', import.meta.url), { recursive: true });
  // Signed in, the session (refresh cookie) must survive, so storage is kept: these are repeat
  // visits with the service worker installed. Last, a first visit with storage cleared (signed out,
  // so it shows sign-in) measures the cold load.
  for (const [screen, hash, keep] of [['generate', '#/generate', true], ['gallery', '#/gallery', true],
    ['first-visit', '', false]]) {
    // A first visit gets a browser of its own: a fresh profile, nothing cached, no session.
    const fresh = keep ? null : await chromeLauncher.launch({ chromePath: CHROME, chromeFlags: FLAGS });
    const result = await lighthouse(`${BASE}/${hash}`, { port: (fresh ?? chrome).port, output: 'json',
      logLevel: 'error', disableStorageReset: keep,
      onlyCategories: ['performance', 'accessibility', 'best-practices', 'seo'] }).finally(() => fresh?.kill());
    writeFileSync(new URL(`./reports/${screen}.json`, import.meta.url), result.report);
    const scores = Object.fromEntries(Object.entries(result.lhr.categories).map(([id, c]) => [id, c.score]));
    console.log(`${screen}: ${Object.entries(scores).map(([id, s]) => `${id} ${Math.round(s * 100)}`).join(', ')}`);
    for (const [id, min] of Object.entries(TARGETS)) if (scores[id] < min) failures.push(`${screen} ${id} ${scores[id]}`);
    if (!process.env.VERBOSE) continue;
    for (const audit of Object.values(result.lhr.audits)) {
      if (audit.score !== null && audit.score < 1 && audit.scoreDisplayMode !== 'informative' && audit.scoreDisplayMode !== 'notApplicable') {
        console.log(`  ${audit.id}: ${audit.score} ${audit.displayValue ?? ''}`);
      }
    }
  }
  await browser.disconnect();
} finally {
  chrome.kill();
}
if (failures.length) {
  console.log(`below target: ${failures.join('; ')}`);
  process.exit(1);
}
