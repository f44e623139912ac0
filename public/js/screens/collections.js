// Collections: the list with counts and covers, a form to make one, and a collection's own view
// (its images through the gallery screen, plus rename, visibility and delete).

import * as api from '../api.js';
import * as db from '../db.js';
import { field, h, state } from '../dom.js';
import { formatNumber, t } from '../i18n.js';
import * as library from '../library.js';
import { picture } from '../widgets/card.js';
import { shareLinks } from '../widgets/share.js';
import * as toast from '../widgets/toast.js';
import * as gallery from './gallery.js';

export function render(ctx) {
  return ctx.params[0] ? one(ctx, ctx.params[0]) : list(ctx);
}

function list(ctx) {
  const grid = h('ul', { class: 'grid collection-grid' });
  const status = h('div');
  const name = h('input', { name: 'name', required: true, maxlength: 100 });
  const description = h('input', { name: 'description', maxlength: 500 });
  const form = h('form', { class: 'card new-collection' }, h('h2', {}, t('collections.new')),
    field(t('collections.name'), name), field(t('collections.description'), description),
    h('button', { type: 'submit', class: 'primary' }, t('collections.create')));
  const root = h('section', { class: 'collections' }, h('h1', {}, t('collections.title')),
    h('div', { class: 'collections-layout' }, h('div', {}, grid, status), form));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!name.value.trim()) { name.focus(); return; }
    try {
      const body = { name: name.value.trim() };
      if (description.value.trim()) body.description = description.value.trim();
      const { data } = await api.call('/api/gallery/collections', { method: 'POST', body });
      toast.show(t('collections.created', { name: data.name }));
      form.reset();
      load();
    } catch (error) {
      toast.error(error);
    }
  });

  async function load() {
    state(status, 'loading', t('collections.loading'));
    try {
      const { items, offline } = await library.collections();
      const covers = new Map((await db.all('images')).map((i) => [i.id, i]));
      grid.replaceChildren(...items.map((c) => h('li', { class: 'card collection-card' },
        h('a', { href: `#/collections/${c.id}`, class: 'card-link' },
          covers.get(c.cover_image_id) ? picture(covers.get(c.cover_image_id), '260px')
            : h('span', { class: 'swatch swatch-collection', 'aria-hidden': 'true' }, c.name.slice(0, 1)),
          h('span', { class: 'card-caption' }, h('strong', {}, c.name), ' · ',
            t('collections.count', { n: formatNumber(c.image_count) }))))));
      if (!items.length) state(status, 'empty', t('collections.empty'));
      else if (offline) state(status, 'offline', t('gallery.offline_copy'));
      else status.replaceChildren();
    } catch (error) {
      state(status, 'error', toast.describe(error));
    }
  }
  load();
  return { root, title: t('collections.title') };
}

function one(ctx, id) {
  const holder = h('div');
  const root = h('section', { class: 'collection' }, h('p', {}, h('a', { href: '#/collections' }, `← ${t('collections.title')}`)), holder);
  let inner = null;
  state(holder, 'loading', t('collections.loading'));
  library.collections().then(({ items, offline }) => {
    const collection = items.find((c) => c.id === id);
    if (!collection) return state(holder, 'error', t('collections.not_found'));
    inner = gallery.render({ ...ctx, query: new URLSearchParams() }, collection);
    holder.replaceChildren(inner.root);
    if (!offline) holder.append(h('div', { class: 'collection-tools' }, manage(ctx, collection), shareLinks('collection', collection.id)));
    return undefined;
  }).catch((error) => state(holder, 'error', toast.describe(error)));
  return { root, title: t('collections.title'), dispose: () => inner?.dispose() };
}

function manage(ctx, collection) {
  const name = h('input', { name: 'name', value: collection.name, maxlength: 100 });
  const isPublic = h('input', { type: 'checkbox', name: 'is_public', checked: collection.is_public });
  const form = h('form', { class: 'card' }, h('h2', {}, t('collections.manage')), field(t('collections.name'), name),
    h('label', { class: 'check' }, isPublic, t('collections.public')),
    h('div', { class: 'row wrap' }, h('button', { type: 'submit', class: 'primary' }, t('common.save')),
      h('button', { type: 'button', class: 'secondary', onclick: zip }, t('collections.export')),
      h('button', { type: 'button', class: 'danger', onclick: remove }, t('collections.delete'))));
  async function zip() {
    try {
      await api.saveFile('/api/gallery/export', { method: 'POST', body: { collection_id: collection.id } });
    } catch (error) {
      toast.error(error);
    }
  }
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await api.call(`/api/gallery/collections/${collection.id}`, { method: 'PATCH',
        body: { name: name.value.trim(), is_public: isPublic.checked } });
      toast.show(t('common.saved'));
    } catch (error) {
      toast.error(error);
    }
  });
  async function remove() {
    if (!confirm(t('collections.confirm_delete', { name: collection.name }))) return;
    try {
      await api.call(`/api/gallery/collections/${collection.id}`, { method: 'DELETE' });
      await db.remove('collections', collection.id);
      ctx.navigate('#/collections');
    } catch (error) {
      toast.error(error);
    }
  }
  return form;
}
