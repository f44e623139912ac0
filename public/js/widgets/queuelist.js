// The offline prompt queue as a list: each prompt with its state (waiting for the network,
// sending, made, failed), a link to what it made, and a way to drop it.

import { h } from '../dom.js';
import { formatDateTime, t } from '../i18n.js';
import * as queue from '../queue.js';

export function queueList() {
  const list = h('ul', { class: 'queue-list' });
  const root = h('section', { class: 'queue', 'aria-labelledby': 'queue-title', hidden: true },
    h('h2', { id: 'queue-title' }, t('queue.title')), h('p', { class: 'hint' }, t('queue.explain')), list);

  async function render() {
    const entries = await queue.entries();
    root.hidden = entries.length === 0;
    list.replaceChildren(...entries.map((entry) => h('li', { class: `queue-item state-${entry.state}` },
      h('p', { class: 'queue-prompt' }, entry.body.prompt),
      h('p', { class: 'queue-state' }, h('span', { class: 'pill' }, t(`queue.state_${entry.state}`)), ' ',
        formatDateTime(entry.created_at), entry.error ? ` · ${entry.error}` : ''),
      h('div', { class: 'row' },
        ...(entry.image_ids ?? []).map((id, i) => h('a', { href: `#/image/${id}`, class: 'button small' },
          t('queue.open', { n: i + 1 }))),
        entry.state === 'sending' ? null : h('button', { type: 'button', class: 'ghost small',
          onclick: () => queue.discard(entry.id) }, entry.state === 'done' ? t('queue.clear') : t('queue.discard'))))));
  }

  window.addEventListener('queuechange', render);
  render();
  return { root, dispose: () => window.removeEventListener('queuechange', render) };
}
