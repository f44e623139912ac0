// Indonesian and English: the language is the profile's, else the last chosen on this device,
// else the browser's; dates and numbers are formatted by Intl in that language.

import { STRINGS } from './strings.js';

const SUPPORTED = ['id', 'en'];
let lang = initial();

function initial() {
  const stored = localStorage.getItem('lang');
  if (SUPPORTED.includes(stored)) return stored;
  const browser = (navigator.languages ?? [navigator.language]).map((l) => l.slice(0, 2).toLowerCase());
  return browser.find((l) => SUPPORTED.includes(l)) ?? 'en';
}

export function currentLang() {
  return lang;
}

/** Switches the language; listeners of `langchange` on window re-render. */
export function setLang(next) {
  if (!SUPPORTED.includes(next) || next === lang) return;
  lang = next;
  localStorage.setItem('lang', lang);
  applyStatic();
  window.dispatchEvent(new CustomEvent('langchange', { detail: lang }));
}

/** The string `key` with `{name}` placeholders filled from `vars`. */
export function t(key, vars = {}) {
  const text = STRINGS[lang][key];
  if (text === undefined) {
    // A missing string is a bug the browser tests catch through the console.
    console.error(`missing string ${lang}.${key}`);
    return key;
  }
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

/** Translates the shell's static elements: `data-i18n` sets text, `data-i18n-label` aria-label. */
export function applyStatic(root = document) {
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
}

const locale = () => (lang === 'id' ? 'id-ID' : 'en-GB');

export function formatDate(iso, style = 'medium') {
  if (!iso) return '';
  return new Intl.DateTimeFormat(locale(), { dateStyle: style }).format(new Date(iso));
}

export function formatDateTime(iso) {
  if (!iso) return '';
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

export function formatNumber(n) {
  return new Intl.NumberFormat(locale()).format(n);
}

export function formatBytes(n) {
  if (!n) return '';
  const kb = n / 1024;
  const unit = kb >= 1024 ? 'megabyte' : 'kilobyte';
  const value = kb >= 1024 ? kb / 1024 : kb;
  return new Intl.NumberFormat(locale(), { style: 'unit', unit, maximumFractionDigits: 1 }).format(value);
}

/** Storage in decimal units (10^6 bytes a megabyte), as the server's limits and messages count them. */
export function formatStorage(n) {
  const gigabytes = n >= 1e9;
  const unit = gigabytes ? 'gigabyte' : 'megabyte';
  return new Intl.NumberFormat(locale(), { style: 'unit', unit, maximumFractionDigits: 1 })
    .format(n / (gigabytes ? 1e9 : 1e6));
}

/** "in 5 hours" / "5 jam lagi" until `iso`. */
export function formatUntil(iso) {
  const seconds = (new Date(iso) - Date.now()) / 1000;
  const rtf = new Intl.RelativeTimeFormat(locale(), { numeric: 'auto' });
  if (Math.abs(seconds) < 3600) return rtf.format(Math.round(seconds / 60), 'minute');
  if (Math.abs(seconds) < 86400) return rtf.format(Math.round(seconds / 3600), 'hour');
  return rtf.format(Math.round(seconds / 86400), 'day');
}
