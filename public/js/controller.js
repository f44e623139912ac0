// The controller: restores the session, routes `#/…` to a screen module, and wires the shell's
// widgets (offline indicator, update, install and unconfirmed-address banners, language switch,
// toasts).

import * as api from './api.js';
import * as db from './db.js';
import { applyStatic, currentLang, setLang, t } from './i18n.js';
import { state } from './dom.js';
import * as toast from './widgets/toast.js';
import * as network from './widgets/network.js';
import * as updates from './widgets/update.js';
import * as install from './widgets/install.js';
import * as unverified from './widgets/verify.js';
import * as queue from './queue.js';

/** Route name → [module, needs a session]. Screens load on first use. */
const ROUTES = {
  'sign-in': ['auth', false], 'sign-up': ['auth', false], 'verify-email': ['auth', false],
  'forgot-password': ['auth', false], 'reset-password': ['auth', false],
  generate: ['generate', true], gallery: ['gallery', true], image: ['image', true],
  collections: ['collections', true], explore: ['explore', false], dashboard: ['dashboard', true],
  settings: ['settings', true], operator: ['operator', true],
};

const session = { user: null };
const main = document.getElementById('main');
let rendered = 0;
let current = null;

export async function start() {
  applyStatic();
  toast.mount(document.getElementById('toasts'));
  network.mount(document.getElementById('offline'));
  updates.mount(document.getElementById('banners'));
  install.mount(document.getElementById('banners'));
  unverified.mount(document.getElementById('banners'));
  wireLanguage();
  wireSkipLink();
  takeSharedText();
  await restoreSession();
  queue.start(() => session.user, (result) => toast.show(t('queue.sent', { n: result.images.length })));
  window.addEventListener('hashchange', route);
  window.addEventListener('langchange', route);
  await route();
}

/** Signed in again from the refresh cookie; offline, the last user's cached gallery stays readable. */
async function restoreSession() {
  const remembered = await db.get('meta', 'user').catch(() => undefined);
  // Only a device that signed in asks the refresh cookie (which it cannot see) for a session.
  if (localStorage.getItem('session') !== 'yes') return;
  try {
    if (await api.refresh()) await loadUser();
    else await forgetDevice();
  } catch (error) {
    if (!error.offline) throw error;
    session.user = remembered?.value ?? null;
    unverified.show(session.user);
  }
}

async function loadUser() {
  localStorage.setItem('session', 'yes');
  const profile = await api.get('/api/auth/profile');
  session.user = profile;
  unverified.show(profile);
  await db.put('meta', { key: 'user', value: profile });
  setLang(profile.locale);
  return profile;
}

function parse() {
  const [path, search = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const [name, ...params] = path.split('/').map(decodeURIComponent);
  return { name: name || (session.user ? 'generate' : 'sign-in'), params, query: new URLSearchParams(search) };
}

async function route() {
  const where = parse();
  const entry = ROUTES[where.name];
  if (!entry) return navigate(session.user ? '#/generate' : '#/sign-in');
  const [moduleName, needsSession] = entry;
  if (needsSession && !session.user) return navigate(`#/sign-in?next=${encodeURIComponent(location.hash)}`);
  if (!needsSession && session.user && moduleName === 'auth' && where.name !== 'verify-email') {
    return navigate('#/generate');
  }
  showNav(where.name);
  const ticket = ++rendered;
  const screen = await import(`./screens/${moduleName}.js`).catch(() => null);
  if (ticket !== rendered) return undefined;
  if (!screen) return state(main, 'error', t('shell.offline_screen'));
  current?.dispose?.();
  const view = screen.render({ ...where, session, navigate, signedIn, signedOut, reloadUser: loadUser });
  current = view;
  main.replaceChildren(view.root);
  document.title = `${view.title} · AI Image Studio`;
  // Focus moves to the new screen's heading, so screen readers and keyboards start there.
  const heading = main.querySelector('h1');
  if (heading && document.activeElement !== document.body) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
  window.scrollTo(0, 0);
  return undefined;
}

export function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

async function signedIn(next) {
  await loadUser();
  queue.flush();
  navigate(next && next.startsWith('#/') ? next : '#/generate');
}

async function signedOut() {
  api.forget();
  session.user = null;
  unverified.show(null);
  await forgetDevice();
  navigate('#/sign-in');
}

/** Nothing of a signed-out user stays on the device: metadata, queued prompts, cached images. */
async function forgetDevice() {
  localStorage.removeItem('session');
  await db.clearAll();
  for (const name of await caches.keys()) if (name.startsWith('images-')) await caches.delete(name);
}

function showNav(current) {
  const nav = document.getElementById('nav');
  nav.hidden = !session.user;
  for (const link of nav.querySelectorAll('a')) {
    const active = link.dataset.route === current || (current === 'image' && link.dataset.route === 'gallery');
    if (active) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

function wireLanguage() {
  const button = document.getElementById('lang');
  const label = () => {
    const other = currentLang() === 'id' ? 'en' : 'id';
    button.textContent = other.toUpperCase();
    button.setAttribute('aria-label', `${other.toUpperCase()} · ${t('shell.switch_language')}`);
    button.lang = other;
  };
  label();
  window.addEventListener('langchange', label);
  button.addEventListener('click', async () => {
    const next = currentLang() === 'id' ? 'en' : 'id';
    setLang(next);
    if (!session.user) return;
    try {
      session.user = (await api.call('/api/auth/profile', { method: 'PATCH', body: { locale: next } })).data;
      await db.put('meta', { key: 'user', value: session.user });
    } catch (error) {
      toast.error(error);
    }
  });
}

/** "#main" is a route to the hash router: the skip link moves focus itself instead. */
function wireSkipLink() {
  document.querySelector('.skip').addEventListener('click', (event) => {
    event.preventDefault();
    main.focus();
  });
}

/** The manifest's share target opens `/?text=…`: the shared text becomes a prompt. */
function takeSharedText() {
  const params = new URLSearchParams(location.search);
  const shared = [params.get('title'), params.get('text'), params.get('url')].filter(Boolean).join(' ');
  if (!shared) return;
  history.replaceState(null, '', `/#/generate?prompt=${encodeURIComponent(shared.slice(0, 1000))}`);
}
