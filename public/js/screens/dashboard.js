// The dashboard: today's and this month's quota as meters with their reset times, the storage the
// account's images take against its limit, the number of collections, and the recent prompts, each
// one click from being used again; for the studio's operator (the profile's `operator`), the way to
// the operator's screen.

import * as api from '../api.js';
import { h, state } from '../dom.js';
import { formatDateTime, formatNumber, formatStorage, formatUntil, t } from '../i18n.js';
import * as library from '../library.js';
import * as toast from '../widgets/toast.js';

export function render(ctx) {
  const body = h('div', { class: 'dashboard-grid' });
  const root = h('section', { class: 'dashboard' }, h('h1', {}, t('dashboard.title')), body);
  state(body, 'loading', t('dashboard.loading'));
  load();

  async function load() {
    try {
      const [profile, prompts, collections] = await Promise.all([ctx.reloadUser(),
        api.get('/api/gallery/prompts?limit=8'), library.collections()]);
      body.replaceChildren(quota(profile.quota), storage(profile.storage), counts(profile, collections.items),
        recent(prompts), profile.operator ? operator() : '');
    } catch (error) {
      state(body, 'error', toast.describe(error));
    }
  }
  return { root, title: t('dashboard.title') };
}

function meter(id, label, { used, limit, resets_at: resets }) {
  const unlimited = limit === null;
  return h('div', { class: 'meter' },
    h('div', { class: 'meter-head' }, h('span', { id }, label),
      h('strong', {}, unlimited ? t('dashboard.unlimited', { used: formatNumber(used) })
        : t('dashboard.used_of', { used: formatNumber(used), limit: formatNumber(limit) }))),
    unlimited ? null : h('meter', { min: 0, max: limit, low: limit * 0.7, high: limit * 0.9, optimum: 0, value: used,
      'aria-labelledby': id }),
    h('p', { class: 'hint' }, t('dashboard.resets', { when: formatUntil(resets), at: formatDateTime(resets) })));
}

function quota(q) {
  return h('section', { class: 'card' }, h('h2', {}, t('dashboard.quota')),
    meter('quota-day', t('dashboard.today'), q.daily), meter('quota-month', t('dashboard.month'), q.monthly));
}

function storage({ used_bytes: used, limit_bytes: limit }) {
  const full = used >= limit;
  return h('section', { class: 'card' }, h('h2', {}, t('dashboard.storage')),
    h('div', { class: 'meter' },
      h('div', { class: 'meter-head' }, h('span', { id: 'storage-used' }, t('dashboard.storage_used')),
        h('strong', {}, t('dashboard.used_of', { used: formatStorage(used), limit: formatStorage(limit) }))),
      h('meter', { min: 0, max: limit, low: limit * 0.7, high: limit * 0.9, optimum: 0, value: Math.min(used, limit),
        'aria-labelledby': 'storage-used' })),
    h('p', { class: full ? 'form-error' : 'hint', role: full ? 'alert' : null },
      t(full ? 'dashboard.storage_full' : 'dashboard.storage_hint')));
}

function counts(profile, collections) {
  const images = collections.reduce((n, c) => n + c.image_count, 0);
  return h('section', { class: 'card' }, h('h2', {}, t('dashboard.account')),
    h('dl', { class: 'stats' },
      h('dt', {}, t('dashboard.collections')), h('dd', {}, formatNumber(collections.length)),
      h('dt', {}, t('dashboard.in_collections')), h('dd', {}, formatNumber(images)),
      h('dt', {}, t('dashboard.member_since')), h('dd', {}, formatDateTime(profile.created_at))),
    h('a', { class: 'button', href: '#/generate' }, t('gallery.make_one')));
}

function recent(prompts) {
  return h('section', { class: 'card wide' }, h('h2', {}, t('dashboard.recent')),
    prompts.length ? h('ul', { class: 'prompt-list' }, prompts.map((p) => h('li', {},
      h('p', {}, p.is_pinned ? '📌 ' : '', p.prompt),
      h('a', { class: 'button small secondary', href: `#/generate?prompt=${encodeURIComponent(p.prompt)}` },
        t('dashboard.use_again')))))
      : h('p', { class: 'hint' }, t('dashboard.no_prompts')));
}

function operator() {
  return h('section', { class: 'card wide' }, h('h2', {}, t('dashboard.operator')),
    h('p', { class: 'hint' }, t('dashboard.operator_hint')),
    h('a', { class: 'button', href: '#/operator' }, t('dashboard.operator_open')));
}
