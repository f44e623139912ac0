// API keys (listed by prefix; a new key shown once with a copy button, then never again) and the
// user's own Gemini key (only its last four characters ever come back).

import * as api from '../api.js';
import { field, h } from '../dom.js';
import { formatDate, t } from '../i18n.js';
import * as toast from './toast.js';

const SCOPES = ['generate', 'gallery:read', 'gallery:write'];

export function keys() {
  const list = h('ul', { class: 'key-list' });
  const reveal = h('div', { role: 'status' });
  const name = h('input', { name: 'name', required: true, maxlength: 100 });
  const scopes = SCOPES.map((s) => h('input', { type: 'checkbox', name: 'scope', value: s, checked: true }));
  const create = h('form', { class: 'stack' }, field(t('keys.name'), name),
    h('fieldset', { class: 'scopes' }, h('legend', {}, t('keys.scopes')),
      scopes.map((box) => h('label', { class: 'check' }, box, box.value))),
    h('button', { type: 'submit', class: 'secondary' }, t('keys.create')));
  create.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!name.value.trim()) { name.focus(); return; }
    try {
      const { data } = await api.call('/api/auth/api-keys', { method: 'POST',
        body: { name: name.value.trim(), scopes: scopes.filter((b) => b.checked).map((b) => b.value) } });
      showOnce(data.key);
      create.reset();
      load();
    } catch (error) {
      toast.error(error);
    }
  });

  function showOnce(key) {
    const code = h('code', { class: 'secret' }, key);
    reveal.replaceChildren(h('div', { class: 'notice' }, h('p', {}, t('keys.once')), code,
      h('button', { type: 'button', class: 'primary small', onclick: async () => {
        await navigator.clipboard.writeText(key);
        toast.show(t('keys.copied'));
      } }, t('keys.copy')),
      h('button', { type: 'button', class: 'ghost small', onclick: () => reveal.replaceChildren() }, t('keys.done'))));
  }

  async function load() {
    try {
      const rows = await api.get('/api/auth/api-keys');
      list.replaceChildren(...rows.map((k) => h('li', {}, h('span', {}, h('strong', {}, k.name), ` ${k.prefix}… · `,
        k.scopes.join(', '), ' · ', t('keys.created', { date: formatDate(k.created_at) })),
      h('button', { type: 'button', class: 'ghost small', 'aria-label': t('keys.revoke_named', { name: k.name }),
        onclick: () => revoke(k.id) }, t('keys.revoke')))));
      if (!rows.length) list.replaceChildren(h('li', { class: 'hint' }, t('keys.none')));
    } catch (error) {
      toast.error(error);
    }
  }

  async function revoke(id) {
    try {
      await api.call(`/api/auth/api-keys/${id}`, { method: 'DELETE' });
      load();
    } catch (error) {
      toast.error(error);
    }
  }

  load();
  const root = h('section', { class: 'card' }, h('h2', {}, t('keys.title')), h('p', { class: 'hint' }, t('keys.explain')),
    list, reveal, create, gemini());
  // Sent by the settings screen when a key is revoked elsewhere on it (after a password change).
  root.addEventListener('keys-changed', load);
  return root;
}

function gemini() {
  const status = h('p', { class: 'hint' });
  const input = h('input', { type: 'password', name: 'api_key', autocomplete: 'off', required: true });
  const remove = h('button', { type: 'button', class: 'ghost small', hidden: true }, t('gemini.remove'));
  const form = h('form', { class: 'stack' }, h('h3', {}, t('gemini.title')), h('p', { class: 'hint' }, t('gemini.explain')),
    status, field(t('gemini.key'), input), h('div', { class: 'row' },
      h('button', { type: 'submit', class: 'secondary' }, t('gemini.save')), remove));
  const show = (k) => {
    status.textContent = k.present ? t('gemini.present', { last4: k.last4 }) : t('gemini.absent');
    remove.hidden = !k.present;
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!input.value.trim()) { input.focus(); return; }
    try {
      show((await api.call('/api/auth/gemini-key', { method: 'PUT', body: { api_key: input.value.trim() } })).data);
      input.value = '';
      toast.show(t('common.saved'));
    } catch (error) {
      toast.error(error);
    }
  });
  remove.addEventListener('click', async () => {
    try {
      show((await api.call('/api/auth/gemini-key', { method: 'DELETE' })).data);
    } catch (error) {
      toast.error(error);
    }
  });
  api.get('/api/auth/gemini-key').then(show).catch((error) => toast.error(error));
  return form;
}
