// The PWA end to end in Chromium against a running studio-local (STUDIO_URL): sign-up, the
// unconfirmed-address notice with its resend button, the e-mailed link, generate, gallery, search,
// collections, image details, edit, adjust (crop, turn and filters saved as a version), download,
// offline browsing, the offline prompt queue, the language switch, the operator's screen,
// axe-core on every screen, screenshots, and installability. Prints "N passed, N failed"; exits non-zero on any failure.

import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { BASE, DESKTOP, assert, axe, check, launch, launchPersistent, mailTo, onFailure, shoot, summary, watchErrors } from './harness.mjs';

assert(BASE, 'STUDIO_URL must name the running studio, e.g. http://127.0.0.1:3000');
const PUBLIC = new URL('../../public/', import.meta.url).pathname;
const email = `ani.${Date.now()}@example.com`;
const password = 'lampu-merah-77';
const errors = [];

await check('the service worker precaches every file of public/', () => {
  const files = [];
  const walk = (dir) => readdirSync(dir).forEach((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else files.push(`/${relative(PUBLIC, path)}`);
  });
  walk(PUBLIC);
  const sw = readFileSync(join(PUBLIC, 'sw.js'), 'utf8');
  // Not the app's: the worker itself, the shell (precached as '/'), and the server-rendered share
  // page's stylesheet (that page needs the network anyway).
  const notShell = ['/sw.js', '/index.html', '/share.css'];
  const missing = files.filter((f) => !notShell.includes(f) && !sw.includes(`'${f}'`));
  assert(missing.length === 0, `not in sw.js PRECACHE: ${missing.join(', ')}`);
}, { fatal: false });

const browser = await launch();
const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB', acceptDownloads: true });
const page = await context.newPage();
watchErrors(page, errors);
if (process.env.DEBUG_API) context.on('request', (r) => r.url().includes('/api/') && console.log(`     ${r.method()} ${r.url()}`));
onFailure(async () => `${page.url()}\n${await page.locator('main').innerText({ timeout: 1000 })}`);
const go = async (hash) => {
  // The same URL again is no navigation at all (not even a hashchange): reload instead.
  if (page.url() === `${BASE}/${hash}`) await page.reload();
  else await page.goto(`${BASE}/${hash}`);
  await page.locator('main h1').first().waitFor();
};
const verifyLink = (mail) => mail.text.match(/https?:\/\/\S+verify-email\?token=\S+/)?.[0];
const screen = async (name) => {
  await axe(page, name);
  await shoot(page, name);
};

try {
  await check('signed out, the app opens on sign-in; sign-up, forgot and reset screens pass axe', async () => {
    await go('');
    await page.getByRole('heading', { name: 'Sign in to AI Image Studio' }).waitFor();
    await screen('sign-in');
    await go('#/forgot-password');
    await screen('forgot-password');
    await go('#/reset-password?token=x');
    await screen('reset-password');
    await go('#/sign-up');
    await screen('sign-up');
  });

  await check('sign-up sends a verification e-mail with a link', async () => {
    await page.getByLabel('Name').fill('Ani Wijaya');
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText(`We sent an e-mail to ${email}`).waitFor();
    const mail = await mailTo(email);
    assert(verifyLink(mail), `no verification link in: ${mail.text}`);
  });

  await check('signed in before confirming: a notice explains, resends the link, and the link clears it', async () => {
    await go('#/sign-in');
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Generate' }).waitFor();
    const notice = page.locator('#banners .banner', { hasText: 'Confirm your e-mail address' });
    await notice.waitFor();
    await go('#/gallery');
    await page.getByText('Confirm your e-mail address first').waitFor();
    await screen('unverified');
    const first = verifyLink(await mailTo(email));
    await notice.getByRole('button', { name: 'Resend e-mail' }).click();
    await page.getByText('Sent. Check your inbox for the new link.').waitFor();
    let resent = first;
    for (let i = 0; i < 50 && resent === first; i++) {
      await page.waitForTimeout(100);
      resent = verifyLink(await mailTo(email));
    }
    assert(resent !== first, 'no new verification link was mailed');
    await page.goto(resent);
    await page.getByText('Your e-mail address is confirmed.').waitFor();
    await screen('verify-email');
    assert(await notice.isHidden(), 'the notice stays after the address is confirmed');
    await go('#/settings');
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('heading', { name: 'Sign in to AI Image Studio' }).waitFor();
  });

  await check('sign-in lands on Generate with templates by category', async () => {
    await go('#/sign-in');
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Generate' }).waitFor();
    await page.locator('.template-card').nth(2).waitFor();
    const before = await page.locator('.template-card').count();
    await page.locator('.chips .chip').nth(1).click();
    await page.waitForFunction((n) => document.querySelectorAll('.template-card').length !== n, before);
    await screen('generate');
  });

  await check('the session survives a reload through the refresh cookie', async () => {
    await page.reload();
    await page.getByRole('heading', { name: 'Generate' }).waitFor();
    assert(await page.locator('#nav').isVisible(), 'the navigation is shown to a signed-in user');
  });

  await check('two tabs opened at once both stay signed in (they take turns with the rotating cookie)', async () => {
    const second = await context.newPage();
    watchErrors(second, errors);
    await Promise.all([page.reload(), second.goto(`${BASE}/#/gallery`)]);
    await Promise.all([page.getByRole('heading', { name: 'Generate' }).waitFor(),
      second.getByRole('heading', { name: 'Gallery' }).waitFor()]);
    await second.reload();
    await second.getByRole('heading', { name: 'Gallery' }).waitFor();
    await second.close();
  });

  await check('generate makes two variations with a template, shown with their actions', async () => {
    await page.getByLabel('Describe the image').fill('a red lighthouse on a rocky cliff');
    await page.locator('.template-card input').nth(1).check();
    await page.getByLabel('Variations').selectOption('2');
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await page.getByRole('heading', { name: '2 new images' }).waitFor({ timeout: 60_000 });
    assert(await page.locator('.results .card').count() === 2, 'two result cards');
    await page.locator('.results img').first().evaluate((img) => img.decode());
    await screen('generate-results');
  });

  await check('the gallery lists the images with srcset, searches, and says when nothing matches', async () => {
    await go('#/gallery');
    await page.locator('.gallery-grid .card').nth(1).waitFor();
    const srcset = await page.locator('.gallery-grid img').first().getAttribute('srcset');
    assert(srcset && /\d+w/.test(srcset), `srcset with widths: ${srcset}`);
    await page.getByRole('searchbox', { name: 'Search' }).fill('lighthouse');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.waitForFunction(() => document.querySelectorAll('.gallery-grid .card').length === 2);
    await page.getByRole('searchbox', { name: 'Search' }).fill('zebra');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByText('No image matches.').waitFor();
    await go('#/gallery');
    await page.locator('.gallery-grid .card').nth(1).waitFor();
    await screen('gallery');
  });

  await check('a collection is made, an image added by multi-select, and the collection shows it', async () => {
    await go('#/collections');
    await page.getByLabel('Name').fill('Lighthouses');
    await page.getByRole('button', { name: 'Create collection' }).click();
    await page.getByRole('link', { name: /Lighthouses · 0 images/ }).waitFor();
    await screen('collections');
    await go('#/gallery');
    await page.getByRole('button', { name: 'Select', exact: true }).click();
    await page.locator('.card-select').first().check();
    await page.getByRole('toolbar').getByRole('combobox').selectOption({ label: 'Lighthouses' });
    await page.getByRole('button', { name: 'Add to collection' }).click();
    await page.getByText('1 images added to the collection.').waitFor();
    await go('#/collections');
    await page.getByRole('link', { name: /Lighthouses · 1 images/ }).click();
    await page.getByRole('heading', { name: 'Lighthouses' }).waitFor();
    await page.locator('.gallery-grid .card').first().waitFor();
    assert(await page.locator('.gallery-grid .card').count() === 1, 'the collection holds one image');
    await screen('collection');
  });

  await check('the image view saves alt text and tags; the picture carries that alt text', async () => {
    await go('#/gallery');
    await page.locator('.gallery-grid .card-link').first().click();
    await page.getByRole('heading', { name: 'Parameters' }).waitFor();
    await page.getByLabel('Title', { exact: true }).fill('Red lighthouse');
    await page.getByLabel('Alt text').fill('A red lighthouse on grey rocks above the sea');
    await page.getByLabel('Tags').fill('sea, lighthouse');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved', { exact: true }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Red lighthouse' }).waitFor();
    const alt = await page.locator('.image-figure img').getAttribute('alt');
    assert(alt === 'A red lighthouse on grey rocks above the sea', `alt text: ${alt}`);
    await screen('image');
  });

  await check('a share link with the prompt opens signed out; published, the image is in Explore for anyone', async () => {
    await page.getByLabel('Show the prompt').check();
    await page.getByRole('button', { name: 'Create link' }).click();
    const url = await page.locator('.share-url').textContent();
    assert(/\/s\/[\w-]{20,}$/.test(url), `a share URL: ${url}`);
    await page.getByText(/1 views|0 views/).first().waitFor();
    await page.getByLabel(/Publish/).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved', { exact: true }).waitFor();
    // The share page sends a strict CSP: axe can only be injected with CSP bypassed.
    const visitor = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB', bypassCSP: true });
    try {
      const stranger = await visitor.newPage();
      watchErrors(stranger, errors);
      await stranger.goto(url);
      await stranger.getByText('a red lighthouse on a rocky cliff').waitFor();
      const alt = await stranger.locator('figure img').getAttribute('alt');
      assert(alt === 'A red lighthouse on grey rocks above the sea', `the shared picture's alt text: ${alt}`);
      await axe(stranger, 'shared-image');
      await shoot(stranger, 'shared-image');
      await stranger.goto(`${BASE}/#/explore`);
      await stranger.getByRole('img', { name: 'A red lighthouse on grey rocks above the sea' }).waitFor();
      await axe(stranger, 'explore');
      await shoot(stranger, 'explore');
    } finally {
      await visitor.close();
    }
  });

  await check('download gives the original as PNG with its parameters, or as JPEG without', async () => {
    const save = async () => {
      const [download] = await Promise.all([page.waitForEvent('download'),
        page.locator('.menu-panel').getByRole('button', { name: 'Download' }).click()]);
      return { name: download.suggestedFilename(), bytes: readFileSync(await download.path()) };
    };
    await page.locator('summary', { hasText: 'Download' }).click();
    const png = await save();
    assert(png.name === 'Red-lighthouse.png', `named after the title: ${png.name}`);
    assert(png.bytes.subarray(1, 4).toString() === 'PNG' && png.bytes.includes('iTXt'), 'a PNG carrying its parameters');
    await page.getByLabel('Format').selectOption('jpeg');
    await page.getByLabel('Include the generation parameters').uncheck();
    const jpeg = await save();
    assert(jpeg.name.endsWith('.jpg') || jpeg.name.endsWith('.jpeg'), jpeg.name);
    assert(jpeg.bytes[0] === 0xff && jpeg.bytes[1] === 0xd8 && !jpeg.bytes.includes('lighthouse'), 'a JPEG without the prompt');
    await page.locator('summary', { hasText: 'Download' }).click();
  });

  await check('selected images download as one ZIP', async () => {
    await go('#/gallery');
    await page.getByRole('button', { name: 'Select', exact: true }).click();
    await page.locator('.card-select').nth(0).check();
    await page.locator('.card-select').nth(1).check();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download ZIP' }).click()]);
    const zip = readFileSync(await download.path());
    assert(zip.subarray(0, 2).toString() === 'PK' && zip.includes('metadata.json'), 'a ZIP with metadata.json');
  });

  await check('edit with an instruction makes a new version linked to its original', async () => {
    await page.getByRole('button', { name: 'Select', exact: true }).click();
    await page.locator('.gallery-grid .card-link').first().click();
    await page.getByRole('heading', { name: 'Parameters' }).waitFor();
    const original = page.url();
    await page.getByLabel('Instruction').fill('make it night with a starry sky');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL((url) => url.href !== original, { timeout: 60_000 });
    await page.getByRole('link', { name: 'Original version' }).waitFor();
  });

  await check('dashboard shows the quota meter with its reset time; settings pass axe', async () => {
    await go('#/dashboard');
    await page.locator('meter').first().waitFor();
    const used = await page.locator('meter').first().getAttribute('value');
    assert(Number(used) === 3, `3 images made today, the meter says ${used}`);
    await page.getByText(/Resets/).first().waitFor();
    await screen('dashboard');
    await go('#/settings');
    await page.getByText('This device').waitFor();
    await screen('settings');
  });

  await check('an API key is shown once with a copy button', async () => {
    await page.getByLabel('Key name').fill('My script');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = await page.locator('code.secret').textContent();
    assert(key.startsWith('ais_'), `the key: ${key}`);
    await page.getByRole('button', { name: 'Done', exact: true }).click();
    await page.getByText(/My script/).waitFor();
    assert(await page.locator('code.secret').count() === 0, 'the key is not shown again');
  });

  await check('offline, a reload still browses the gallery and opens an image', async () => {
    await go('#/gallery');
    await page.locator('.gallery-grid .card').nth(2).waitFor();
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.reload();
    await page.locator('.gallery-grid img').first().waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll('.gallery-grid img')].every((i) => i.complete));
    await context.setOffline(true);
    const response = await page.reload();
    assert(response.fromServiceWorker(), 'the shell came from the service worker');
    await page.getByText('Offline: showing the copy on this device.').waitFor();
    assert(await page.locator('#offline').isVisible(), 'the offline indicator shows');
    assert(await page.locator('.gallery-grid .card').count() === 3, 'three images offline');
    await page.waitForFunction(() => [...document.querySelectorAll('.gallery-grid img')].some((i) => i.complete && i.naturalWidth > 0));
    await shoot(page, 'gallery-offline');
    await page.locator('.gallery-grid .card-link').first().click();
    await page.getByText('Offline: changing, editing and deleting need the network.').waitFor();
    await page.getByRole('heading', { name: 'Parameters' }).waitFor();
    await axe(page, 'image-offline');
  });

  await check('a prompt made offline is queued and generated once back online', async () => {
    await go('#/generate');
    await page.getByLabel('Describe the image').fill('a paper boat in the rain');
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await page.getByText('Waiting for network').waitFor();
    await shoot(page, 'generate-queued');
    await context.setOffline(false);
    await page.getByText('Done', { exact: true }).waitFor({ timeout: 30_000 });
    await go('#/gallery');
    await page.locator('.gallery-grid .card').nth(3).waitFor();
  });

  await check('the gallery loads its next page as the end scrolls into view', async () => {
    const login = await (await fetch(`${BASE}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password }) })).json();
    for (let i = 0; i < 6; i++) {
      const made = await fetch(`${BASE}/api/generate`, { method: 'POST', body: JSON.stringify({ prompt: `harbour study ${i}`, variations: 4 }),
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${login.data.access_token}` } });
      assert(made.status === 201, `generation ${i}: ${made.status}`);
    }
    await go('#/gallery');
    await page.waitForFunction(() => document.querySelectorAll('.gallery-grid .card').length === 24);
    await page.locator('.sentinel').scrollIntoViewIfNeeded();
    await page.waitForFunction(() => document.querySelectorAll('.gallery-grid .card').length === 28);
  });

  await check('adjust turns, greys and crops a 16:9 image to 1:1 and saves it as a version of the original', async () => {
    const login = await (await fetch(`${BASE}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password }) })).json();
    const made = await fetch(`${BASE}/api/generate`, { method: 'POST',
      body: JSON.stringify({ prompt: 'a wide harbour at dusk', variations: 1, aspect_ratio: '16:9' }),
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${login.data.access_token}` } });
    assert(made.status === 201, `the wide image: ${made.status}`);
    const original = (await made.json()).data.images[0].id;
    // The next check starts from the gallery, whether this one passed or not.
    try {
      await go(`#/image/${original}`);
      await page.getByRole('heading', { name: 'Parameters' }).waitFor();
      await page.locator('summary', { hasText: 'Adjust' }).click();
      const preview = page.getByRole('img', { name: 'Preview of the adjusted image' });
      const size = () => preview.evaluate((c) => [c.width, c.height]);
      await page.getByRole('button', { name: 'Rotate right' }).click();
      const [turnedW, turnedH] = await size();
      assert(turnedH > turnedW, `turned, the 16:9 preview stands upright: ${turnedW} × ${turnedH}`);
      await page.getByLabel('Filter').selectOption('grayscale');
      await page.getByLabel('Crop').selectOption('1:1');
      const [w, h] = await size();
      assert(w === h, `cropped 1:1, the preview is square: ${w} × ${h}`);
      const grey = await preview.evaluate((c) => {
        const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
        let worst = 0;
        for (let i = 0; i < data.length; i += 4 * 97) {
          worst = Math.max(worst, Math.abs(data[i] - data[i + 1]), Math.abs(data[i + 1] - data[i + 2]));
        }
        return worst;
      });
      assert(grey <= 2, `grayscale leaves no colour (largest channel difference ${grey})`);
      await screen('image-adjust');
      const upload = page.waitForRequest((r) => r.url().includes(`/api/gallery/${original}/versions`) && r.method() === 'POST');
      await page.getByRole('button', { name: 'Save as new version' }).click();
      const request = await upload;
      assert(new URL(request.url()).searchParams.get('edits') === 'crop 1:1, rotate 90°, grayscale', `edits: ${request.url()}`);
      assert(request.headers()['content-type'] === 'image/png', `sent as ${request.headers()['content-type']}`);
      await page.waitForURL((url) => url.hash.startsWith('#/image/') && !url.hash.endsWith(original), { timeout: 30_000 });
      const parent = page.getByRole('link', { name: 'Original version' });
      assert((await parent.getAttribute('href')) === `#/image/${original}`, 'the new version links its original');
      const shown = await page.locator('.image-figure img').evaluate(async (img) => {
        await img.decode();
        return [img.naturalWidth, img.naturalHeight];
      });
      assert(shown[0] === shown[1], `the saved image is square: ${shown.join(' × ')}`);
    } finally {
      await go('#/gallery');
    }
  }, { fatal: false });

  await check('deleting an image can be undone within its window', async () => {
    await page.locator('.gallery-grid .card-link').first().click();
    await page.getByRole('heading', { name: 'Parameters' }).waitFor();
    const image = page.url();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('heading', { name: 'Gallery' }).waitFor();
    await page.getByRole('button', { name: 'Undo' }).click();
    await page.waitForURL(image);
    await page.getByRole('heading', { name: 'Parameters' }).waitFor();
    await page.waitForTimeout(6500);
    await page.reload();
    await page.getByRole('heading', { name: 'Parameters' }).waitFor();
  });

  await check('a new result is added to a collection from its card on the generate screen', async () => {
    await go('#/generate');
    await page.getByLabel('Describe the image').fill('a white lighthouse at dusk');
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    const saveTo = page.locator('.results .save-to').first();
    await saveTo.waitFor({ timeout: 60_000 });
    await saveTo.getByLabel('Save to collection').selectOption({ label: 'Lighthouses' });
    await saveTo.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByText('Added to Lighthouses.').waitFor();
    await go('#/collections');
    await page.getByRole('link', { name: /Lighthouses · 2 images/ }).waitFor();
  });

  await check('switching language translates the app and is kept in the profile', async () => {
    await go('#/gallery');
    const stored = page.waitForResponse((r) => r.url().endsWith('/api/auth/profile') && r.request().method() === 'PATCH');
    await page.locator('#lang').click();
    await page.getByRole('link', { name: 'Galeri' }).waitFor();
    assert((await stored).ok(), 'the language is stored in the profile');
    assert(await page.evaluate(() => document.documentElement.lang) === 'id', 'html lang is id');
    await page.evaluate(() => localStorage.removeItem('lang'));
    await page.reload();
    await page.getByRole('heading', { name: 'Galeri' }).waitFor();
    await axe(page, 'gallery-id');
    await shoot(page, 'gallery-id');
  });

  await check('Background Sync sends a queued prompt through the service worker without an online event', async () => {
    await go('#/generate');
    const sent = page.waitForResponse((r) => r.url().endsWith('/api/generate') && r.request().method() === 'POST');
    await page.evaluate(() => import('/js/queue.js').then((q) => q.enqueue({ prompt: 'a kite over rice fields', variations: 1 })));
    assert((await sent).status() === 201, 'the queued prompt was generated');
    await page.getByText('Selesai', { exact: true }).first().waitFor();
  });

  await check('dark theme with reduced motion passes axe on the gallery, an image and settings', async () => {
    await page.emulateMedia({ colorScheme: 'dark', reducedMotion: 'reduce' });
    await go('#/gallery');
    await page.locator('.gallery-grid .card').first().waitFor();
    await axe(page, 'gallery-dark');
    await shoot(page, 'gallery-dark');
    await page.locator('.gallery-grid .card-link').first().click();
    await page.getByRole('heading', { name: 'Parameter' }).waitFor();
    await axe(page, 'image-dark');
    await go('#/settings');
    await page.getByText('Perangkat ini').waitFor();
    await axe(page, 'settings-dark');
    await page.emulateMedia({ colorScheme: 'light', reducedMotion: 'no-preference' });
  });

  await check('keyboard only: the skip link reaches the content and Tab reaches the menu with a visible focus', async () => {
    await go('#/gallery');
    await page.reload();
    await page.locator('main h1').waitFor();
    await page.keyboard.press('Tab');
    assert(await page.evaluate(() => document.activeElement.classList.contains('skip')), 'the first Tab stop is the skip link');
    await page.keyboard.press('Enter');
    assert(await page.evaluate(() => document.activeElement.id === 'main'), 'Enter on the skip link focuses the content');
    await page.keyboard.press('Shift+Tab');
    let stops = 0;
    while (!(await page.evaluate(() => document.activeElement.matches('#nav a'))) && stops++ < 20) await page.keyboard.press('Shift+Tab');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert(outline !== 'none', `a focused menu link shows an outline (${outline})`);
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/(generate|gallery|collections|dashboard|settings)/);
  });

  await check('a new version is offered, and "reload" lets its service worker take over', async () => {
    // Routing cannot change the worker script the browser fetches for an update: the served copy
    // of public/ is changed instead, as a deployment would.
    assert(process.env.STUDIO_PUBLIC_DIR, 'STUDIO_PUBLIC_DIR must name the folder the studio serves');
    const served = join(process.env.STUDIO_PUBLIC_DIR, 'sw.js');
    await go('#/gallery');
    writeFileSync(served, readFileSync(served, 'utf8').replace(/const VERSION = '([^']+)'/, "const VERSION = '$1-next'"));
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).update());
    await page.getByText('Versi baru tersedia.').waitFor();
    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Muat ulang' }).click()]);
    await page.locator('main h1').first().waitFor();
    const names = await page.evaluate(() => caches.keys());
    assert(names.some((n) => n.endsWith('-next')) && names.every((n) => !/^shell-[^-]+$/.test(n)),
      `the new shell cache replaced the old one: ${names.join(', ')}`);
  });

  await check('the offline fallback page passes axe', async () => {
    await page.goto(`${BASE}/offline.html`);
    await axe(page, 'offline');
  });
} catch (error) {
  console.log(String(error.message));
}

await check('only the operator is offered the Operator screen, which shows the daily reports with bars', async () => {
  // The first account (its app in Indonesian since the language check) is no operator.
  await go('#/dashboard');
  await page.locator('meter').first().waitFor();
  assert(await page.locator('a[href="#/operator"]').count() === 0, 'the Operator screen offered to a non-operator');
  await go('#/operator');
  await page.getByText('Tampilan ini hanya untuk operator studio.').waitFor();
  // The operator (OPERATOR_EMAIL of this stack) signs up and confirms through the API; a cron run
  // records the report of the day that ended.
  const operator = process.env.OPERATOR_EMAIL;
  const json = (body) => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const registered = await fetch(`${BASE}/api/auth/register`, json({ email: operator, password, name: 'Operator', locale: 'en' }));
  assert(registered.status === 202, `register: ${registered.status}`);
  const token = (await mailTo(operator)).text.match(/token=([\w-]+)/)?.[1];
  const verified = await fetch(`${BASE}/api/auth/verify-email`, json({ token }));
  assert(verified.status === 200, `verify: ${verified.status}`);
  const cron = await fetch(`${BASE}/api/cron/reset`, { headers: { Authorization: `Bearer ${process.env.CRON_SECRET}` } });
  assert(cron.status === 200, `cron: ${cron.status}`);
  const own = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB' });
  try {
    const ops = await own.newPage();
    watchErrors(ops, errors);
    await ops.goto(`${BASE}/#/sign-in`);
    await ops.getByLabel('E-mail').fill(operator);
    await ops.getByLabel('Password').fill(password);
    await ops.getByRole('button', { name: 'Sign in', exact: true }).click();
    await ops.getByRole('heading', { name: 'Generate' }).waitFor();
    await ops.goto(`${BASE}/#/dashboard`);
    await ops.getByRole('link', { name: 'Open the operator view' }).click();
    await ops.getByRole('heading', { name: 'Operator', level: 1 }).waitFor();
    await ops.getByRole('table').waitFor();
    const days = await ops.locator('table.reports tbody tr').count();
    assert(days === 1, `one report recorded, ${days} rows shown`);
    assert(await ops.locator('table.reports meter').count() === 2, 'a storage and a generations bar per day');
    await ops.getByText('Storage').first().waitFor();
    await ops.getByText('Failures by route').waitFor();
    await axe(ops, 'operator');
    await shoot(ops, 'operator');
  } finally {
    await own.close();
  }
}, { fatal: false });

await check('under the Content-Security-Policy of vercel.json the app signs in and shows the gallery with no violation', async () => {
  const vercel = JSON.parse(readFileSync(new URL('../../vercel.json', import.meta.url), 'utf8'));
  const csp = vercel.headers.flatMap((rule) => rule.headers).find((x) => x.key === 'Content-Security-Policy').value;
  // A service worker would answer from its cache with the cached headers: blocked, every response
  // comes from the server with the policy added.
  const strict = await browser.newContext({ serviceWorkers: 'block', viewport: DESKTOP, locale: 'en-GB' });
  try {
    await strict.route(`${BASE}/**`, async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': csp } });
    });
    const guarded = await strict.newPage();
    await guarded.addInitScript(() => {
      window.violations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.violations.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    await guarded.goto(`${BASE}/#/sign-in`);
    await guarded.getByLabel('E-mail').fill(email);
    await guarded.getByLabel('Password').fill(password);
    await guarded.getByRole('button', { name: /^(Sign in|Masuk)$/ }).click();
    await guarded.locator('.template-card').first().waitFor();
    await guarded.goto(`${BASE}/#/gallery`);
    await guarded.locator('.gallery-grid img').first().waitFor();
    await guarded.waitForFunction(() => [...document.querySelectorAll('.gallery-grid img')].slice(0, 4).every((i) => i.complete));
    const violations = await guarded.evaluate(() => window.violations);
    assert(violations.length === 0, `CSP violations: ${violations.join('; ')}`);
  } finally {
    // A request still in flight when the context closes cannot be answered; its handler's error
    // says nothing about the policy.
    await strict.unrouteAll({ behavior: 'ignoreErrors' });
    await strict.close();
  }
}, { fatal: false });

await check('no console errors or uncaught exceptions', () => {
  assert(errors.length === 0, errors.join('\n'));
}, { fatal: false });
await browser.close();

await check('Chromium reports the app installable (no installability errors)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'studio-install-'));
  const persistent = await launchPersistent(dir);
  try {
    const installPage = persistent.pages()[0] ?? (await persistent.newPage());
    await installPage.goto(`${BASE}/`);
    await installPage.evaluate(() => navigator.serviceWorker.ready);
    const cdp = await persistent.newCDPSession(installPage);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    assert(installabilityErrors.length === 0, JSON.stringify(installabilityErrors));
    const manifest = await cdp.send('Page.getAppManifest');
    assert(manifest.errors.length === 0, JSON.stringify(manifest.errors));
  } finally {
    await persistent.close();
    rmSync(dir, { recursive: true, force: true });
  }
}, { fatal: false });

process.exit(summary() === 0 ? 0 : 1);
