// Toasts: short messages in a polite live region; errors from the API are explained in words.

import { h } from '../dom.js';
import { t } from '../i18n.js';

let root;

export function mount(el) {
  root = el;
}

/** Shows `text` for a few seconds; `action` is an optional {label, run} button (e.g. undo). */
export function show(text, { kind = 'info', action, ms = 5000 } = {}) {
  const item = h('div', { class: `toast toast-${kind}` }, h('p', {}, text));
  const close = () => item.remove();
  if (action) {
    item.append(h('button', { type: 'button', class: 'ghost small', onclick: () => { close(); action.run(); } },
      action.label));
  }
  root.append(item);
  setTimeout(close, ms);
  return close;
}

/** Explains an ApiError (or any error) to the user. */
export function error(err) {
  show(describe(err), { kind: 'error', ms: 8000 });
}

export function describe(err) {
  if (err?.offline) return t('error.offline');
  if (err?.code === 'RATE_LIMITED') return t('error.rate_limited', { s: err.retryAfter ?? 60 });
  if (err?.code === 'QUOTA_EXCEEDED') return t('error.quota');
  if (err?.code === 'BUDGET_EXHAUSTED') return t('error.budget');
  if (err?.code === 'BUSY') return t('error.busy', { s: err.retryAfter ?? 60 });
  if (err?.code === 'STORAGE_FULL') return t('error.storage_full');
  if (err?.code === 'STORAGE_EXHAUSTED') return t('error.storage_exhausted');
  if (err?.code === 'DAILY_LIMIT_REACHED') return t('error.daily_limit');
  if (err?.code === 'EMAIL_NOT_VERIFIED') return t('error.email_not_verified');
  if (err?.code === 'GENERATION_EMPTY') return t('error.generation_empty');
  if (err?.code === 'VALIDATION_ERROR' && err.field) return t('error.field', { field: err.field, message: err.message });
  return err?.message ? t('error.generic', { message: err.message }) : t('error.unknown');
}
