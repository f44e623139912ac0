// Share links for an image or a collection: make one (with or without the prompt, with an
// expiry), copy it or hand it to the system's share sheet, see the links made so far with their
// views, and revoke one.

import * as api from '../api.js';
import { field, h } from '../dom.js';
import { formatDate, formatNumber, t } from '../i18n.js';
import * as toast from './toast.js';

const EXPIRIES = [['', 'share.never'], ['24', 'share.day'], ['168', 'share.week'], ['720', 'share.month']];

/** `kind`: 'image' or 'collection'; `id`: its id. */
export function shareLinks(kind, id) {
  const showPrompt = h('input', { type: 'checkbox', name: 'show_prompt' });
  const expiry = h('select', { name: 'expires' }, EXPIRIES.map(([v, key]) => h('option', { value: v }, t(key))));
  const made = h('div', { role: 'status' });
  const list = h('ul', { class: 'key-list' });
  const form = h('form', { class: 'card' }, h('h2', {}, t('share.title')), h('p', { class: 'hint' }, t(`share.explain_${kind}`)),
    kind === 'image' ? h('label', { class: 'check' }, showPrompt, t('share.show_prompt')) : null,
    field(t('share.expires'), expiry), h('button', { type: 'submit', class: 'secondary' }, t('share.create')), made, list);
  const base = kind === 'image' ? `/api/gallery/${id}` : `/api/gallery/collections/${id}`;

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = { show_prompt: showPrompt.checked };
    if (expiry.value) body.expires_in_hours = Number(expiry.value);
    try {
      const { data } = await api.call(`${base}/share`, { method: 'POST', body });
      show(data.url);
      load();
    } catch (error) {
      toast.error(error);
    }
  });

  function show(url) {
    const copy = h('button', { type: 'button', class: 'primary small', onclick: async () => {
      await navigator.clipboard.writeText(url);
      toast.show(t('share.copied'));
    } }, t('share.copy'));
    const system = navigator.share ? h('button', { type: 'button', class: 'ghost small',
      onclick: () => navigator.share({ url }).catch(() => {}) }, t('share.system')) : null;
    made.replaceChildren(h('div', { class: 'notice' }, h('a', { href: url, class: 'share-url', target: '_blank', rel: 'noopener' }, url),
      h('div', { class: 'row' }, copy, system)));
  }

  async function load() {
    try {
      const query = kind === 'image' ? `image=${id}` : `collection=${id}`;
      const rows = await api.get(`/api/gallery/shares?${query}`);
      list.replaceChildren(...rows.map((s) => h('li', {},
        h('span', {}, h('a', { href: s.url, target: '_blank', rel: 'noopener' }, `…/s/${s.token.slice(0, 8)}…`), ' · ',
          t(`share.state_${s.state}`), ' · ', t('share.views', { n: formatNumber(s.view_count) }),
          s.expires_at ? ` · ${t('share.until', { date: formatDate(s.expires_at) })}` : ''),
        s.state === 'active' ? h('button', { type: 'button', class: 'ghost small',
          'aria-label': t('share.revoke_named', { token: s.token.slice(0, 8) }), onclick: () => revoke(s.id) }, t('share.revoke')) : null)));
    } catch (error) {
      if (!error.offline) toast.error(error);
    }
  }

  async function revoke(share) {
    try {
      await api.call(`/api/gallery/shares/${share}`, { method: 'DELETE' });
      load();
    } catch (error) {
      toast.error(error);
    }
  }

  load();
  return form;
}
