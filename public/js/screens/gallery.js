// The gallery: search with filters, a responsive grid that loads the next page as it scrolls into
// view, and a selection mode with bulk actions (add to a collection, favourite, delete). Offline
// it shows the copy on this device. A collection's view is the same screen, filtered.

import * as api from '../api.js';
import { h, state } from '../dom.js';
import { t } from '../i18n.js';
import * as library from '../library.js';
import { card } from '../widgets/card.js';
import * as toast from '../widgets/toast.js';

const RATIOS = ['1:1', '16:9', '9:16', '4:3', '3:4'];

/** `collection` (optional): {id, name} when shown as a collection's view. */
export function render(ctx, collection) {
  const filters = { q: ctx.query.get('q') ?? '', favorite: ctx.query.get('favorite') ?? '',
    visibility: ctx.query.get('visibility') ?? '', aspect_ratio: ctx.query.get('aspect_ratio') ?? '',
    collection: collection?.id ?? '' };
  const selected = new Set();
  let next = null;
  let loading = false;
  let selecting = false;

  const search = h('input', { type: 'search', name: 'q', value: filters.q, placeholder: t('gallery.search_placeholder'),
    'aria-label': t('gallery.search') });
  const select = (name, label, options) => h('select', { name, 'aria-label': label },
    options.map(([value, text]) => h('option', { value, selected: filters[name] === value }, text)));
  const bar = h('form', { class: 'filters', role: 'search' }, search,
    select('favorite', t('gallery.favorites'), [['', t('gallery.all_images')], ['true', t('gallery.only_favorites')]]),
    select('visibility', t('gallery.visibility'), [['', t('gallery.any_visibility')], ['public', t('image.public')],
      ['private', t('image.private')]]),
    select('aspect_ratio', t('generate.ratio'), [['', t('gallery.any_ratio')], ...RATIOS.map((r) => [r, r])]),
    h('button', { type: 'submit', class: 'secondary' }, t('gallery.search')));
  const toggle = h('button', { type: 'button', class: 'ghost', 'aria-pressed': 'false' }, t('gallery.select_mode'));
  const actions = h('div', { class: 'bulk', hidden: true, role: 'toolbar', 'aria-label': t('gallery.bulk') });
  const grid = h('ul', { class: 'grid gallery-grid', 'aria-label': t('gallery.images') });
  const status = h('div', { class: 'gallery-status' });
  const sentinel = h('div', { class: 'sentinel', 'aria-hidden': 'true' });
  const title = collection?.name ?? t('gallery.title');
  const root = h('section', { class: 'gallery' },
    h('div', { class: 'heading-row' }, h('h1', {}, title), toggle),
    collection ? null : h('p', { class: 'hint' }, t('gallery.retention')), bar, actions, grid, status, sentinel);

  bar.addEventListener('submit', (event) => {
    event.preventDefault();
    for (const name of ['q', 'favorite', 'visibility', 'aspect_ratio']) filters[name] = bar.elements[name].value.trim();
    reload();
  });
  bar.addEventListener('change', (event) => { if (event.target !== search) bar.requestSubmit(); });
  toggle.addEventListener('click', () => {
    selecting = !selecting;
    toggle.setAttribute('aria-pressed', String(selecting));
    selected.clear();
    reload();
  });

  const observer = new IntersectionObserver((seen) => {
    if (seen.some((e) => e.isIntersecting) && next && !loading) more();
  }, { rootMargin: '600px' });
  observer.observe(sentinel);

  async function reload() {
    next = null;
    grid.replaceChildren();
    renderActions();
    state(status, 'loading', t('gallery.loading'));
    await more(true);
  }

  async function more(first = false) {
    loading = true;
    try {
      const result = await library.page(filters, first ? null : next);
      next = result.next;
      grid.append(...result.items.map((image, i) => card(image, { selectable: selecting, selected: selected.has(image.id),
        eager: first && i < 4, onselect: (img, on) => { if (on) selected.add(img.id); else selected.delete(img.id); renderActions(); } })));
      if (!grid.children.length) {
        const empty = filters.q || filters.favorite || filters.visibility || filters.aspect_ratio
          ? t('gallery.no_match') : t('gallery.empty');
        state(status, 'empty', empty, h('a', { href: '#/generate', class: 'button' }, t('gallery.make_one')));
      } else if (result.offline) state(status, 'offline', t('gallery.offline_copy'));
      else status.replaceChildren();
    } catch (error) {
      state(status, 'error', toast.describe(error), h('button', { type: 'button', onclick: () => reload() }, t('common.retry')));
    } finally {
      loading = false;
    }
  }

  function renderActions() {
    actions.hidden = !selecting;
    if (!selecting) return;
    const none = selected.size === 0;
    const target = h('select', { 'aria-label': t('gallery.choose_collection') }, h('option', { value: '' }, t('gallery.choose_collection')));
    library.collections().then(({ items }) => target.append(...items.map((c) => h('option', { value: c.id }, c.name))));
    const button = (label, run, kind = 'secondary') => h('button', { type: 'button', class: `${kind} small`, disabled: none,
      onclick: run }, label);
    actions.replaceChildren(h('span', { class: 'count' }, t('gallery.selected', { n: selected.size })),
      target, button(t('gallery.add_to'), () => (target.value ? bulk({ action: 'add_to_collection', collection_id: target.value })
        : toast.show(t('gallery.choose_collection')))),
      button(t('gallery.favorite_all'), () => bulk({ action: 'favorite' })),
      button(t('gallery.publish_all'), () => bulk({ action: 'publish' })),
      button(t('gallery.export'), exportZip),
      button(t('gallery.delete_selected'), () => confirm(t('gallery.confirm_delete', { n: selected.size })) && bulk({ action: 'delete' }),
        'danger'));
  }

  /** One request for the whole selection; the answer says, per image, what happened. */
  async function bulk(change) {
    try {
      const { data } = await api.call('/api/gallery/bulk', { method: 'POST', body: { ids: [...selected], ...change } });
      toast.show(t(`gallery.done_${change.action}`, { n: data.counts.ok }));
      if (change.action === 'delete') for (const id of selected) await library.forget(id);
      selected.clear();
      reload();
    } catch (error) {
      toast.error(error);
    }
  }

  async function exportZip() {
    try {
      await api.saveFile('/api/gallery/export', { method: 'POST', body: { ids: [...selected] } });
    } catch (error) {
      toast.error(error);
    }
  }

  reload();
  return { root, title, dispose: () => observer.disconnect() };
}
