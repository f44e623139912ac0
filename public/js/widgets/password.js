// Changing the password: the current and a new one. Every other login ends; the API keys still
// live are listed afterwards, each with a revoke button, so that a key nobody here made can go.
// Emits `keys-changed` on its root when a key is revoked from that list.

import * as api from '../api.js';
import { field, h } from '../dom.js';
import { formatDate, formatDateTime, t } from '../i18n.js';
import * as toast from './toast.js';

export function password() {
  const current = h('input', { type: 'password', name: 'current_password', required: true, autocomplete: 'current-password' });
  const next = h('input', { type: 'password', name: 'new_password', required: true, minlength: 10, autocomplete: 'new-password' });
  const after = h('div', { role: 'status' });
  const form = h('form', { class: 'stack' }, field(t('password.current'), current),
    field(t('auth.new_password'), next, t('auth.password_hint')),
    h('button', { type: 'submit', class: 'secondary' }, t('password.change')));
  const root = h('section', { class: 'card' }, h('h2', {}, t('password.title')), form, after);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!current.value) { current.focus(); return; }
    if (!next.value) { next.focus(); return; }
    try {
      const { data } = await api.call('/api/auth/password/change', { method: 'POST',
        body: { current_password: current.value, new_password: next.value } });
      form.reset();
      toast.show(t('password.changed'));
      showKeys(data.api_keys ?? []);
    } catch (error) {
      toast.error(error);
    }
  });

  /** The keys still live after the change, each revocable here. */
  function showKeys(rows) {
    if (!rows.length) {
      after.replaceChildren(h('p', { class: 'hint' }, t('password.no_keys')));
      return;
    }
    const list = h('ul', { class: 'key-list' }, rows.map((k) => {
      const used = k.last_used_at ? t('password.key_used', { when: formatDateTime(k.last_used_at) }) : t('password.key_unused');
      const item = h('li', {}, h('span', {}, h('strong', {}, k.name), ` ${k.prefix}… · `, k.scopes.join(', '), ' · ',
        t('keys.created', { date: formatDate(k.created_at) }), ' · ', used));
      item.append(h('button', { type: 'button', class: 'ghost small', 'aria-label': t('keys.revoke_named', { name: k.name }),
        onclick: () => revoke(k.id, item) }, t('keys.revoke')));
      return item;
    }));
    after.replaceChildren(h('div', { class: 'notice' }, h('p', {}, t('password.keys_left')), list));
  }

  async function revoke(id, item) {
    try {
      await api.call(`/api/auth/api-keys/${id}`, { method: 'DELETE' });
      item.remove();
      root.dispatchEvent(new Event('keys-changed'));
    } catch (error) {
      toast.error(error);
    }
  }

  return root;
}
