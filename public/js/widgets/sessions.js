// The account's live logins (device, address, last use), with "this device" marked and a button
// to end any other one.

import * as api from '../api.js';
import { h } from '../dom.js';
import { formatDateTime, t } from '../i18n.js';
import * as toast from './toast.js';

/** A short, readable device name from a user agent. */
function device(agent = '') {
  const browser = /Firefox\//.test(agent) ? 'Firefox' : /Edg\//.test(agent) ? 'Edge'
    : /Chrom(e|ium)\//.test(agent) ? 'Chrome' : /Safari\//.test(agent) ? 'Safari' : '';
  const system = /Android/.test(agent) ? 'Android' : /iPhone|iPad/.test(agent) ? 'iOS' : /Windows/.test(agent) ? 'Windows'
    : /Mac OS/.test(agent) ? 'macOS' : /Linux/.test(agent) ? 'Linux' : '';
  return [browser, system].filter(Boolean).join(' · ') || t('sessions.unknown');
}

export function sessions() {
  const list = h('ul', { class: 'session-list' });
  async function load() {
    try {
      const rows = await api.get('/api/auth/sessions');
      list.replaceChildren(...rows.map((s) => h('li', {},
        h('span', {}, h('strong', {}, device(s.user_agent)), s.current ? h('span', { class: 'pill' }, t('sessions.this')) : null,
          h('br'), h('span', { class: 'hint' }, t('sessions.last_used', { when: formatDateTime(s.last_used_at) }))),
        s.current ? null : h('button', { type: 'button', class: 'ghost small', onclick: () => end(s.id) }, t('sessions.end')))));
    } catch (error) {
      toast.error(error);
    }
  }
  async function end(id) {
    try {
      await api.call(`/api/auth/sessions/${id}`, { method: 'DELETE' });
      load();
    } catch (error) {
      toast.error(error);
    }
  }
  load();
  return h('section', { class: 'card' }, h('h2', {}, t('sessions.title')), list);
}
