// Explore: the public feed of published images, for anyone, searchable and loaded page by page;
// a prompt its owner shows can be remixed by a signed-in user.

import * as api from '../api.js';
import { h, state } from '../dom.js';
import { formatDate, t } from '../i18n.js';
import { srcset } from '../library.js';
import * as toast from '../widgets/toast.js';

export function render(ctx) {
  let next = null;
  let q = ctx.query.get('q') ?? '';
  let loading = false;
  const search = h('input', { type: 'search', name: 'q', value: q, 'aria-label': t('explore.search'),
    placeholder: t('explore.search_placeholder') });
  const bar = h('form', { class: 'filters', role: 'search' }, search,
    h('button', { type: 'submit', class: 'secondary' }, t('gallery.search')));
  const grid = h('ul', { class: 'grid gallery-grid explore-grid', 'aria-label': t('explore.images') });
  const status = h('div');
  const sentinel = h('div', { class: 'sentinel', 'aria-hidden': 'true' });
  const join = ctx.session.user ? null : h('p', {}, h('a', { href: '#/sign-up', class: 'button primary small' }, t('auth.create')),
    ' ', h('a', { href: '#/sign-in', class: 'button small' }, t('auth.sign_in')));
  const root = h('section', { class: 'explore' }, h('h1', {}, t('explore.title')),
    h('p', { class: 'hint' }, t('explore.explain')), join, bar, grid, status, sentinel);

  bar.addEventListener('submit', (event) => {
    event.preventDefault();
    q = search.value.trim();
    reload();
  });
  const observer = new IntersectionObserver((seen) => {
    if (seen.some((e) => e.isIntersecting) && next && !loading) more();
  }, { rootMargin: '600px' });
  observer.observe(sentinel);

  function item(image) {
    const [w, hh] = (image.aspect_ratio ?? '1:1').split(':').map(Number);
    const sizes = (image.urls?.derivatives ?? []).filter((d) => d.url);
    const alt = image.alt_text || image.title || image.prompt || t('image.untitled');
    return h('li', { class: 'card explore-card' },
      h('img', { src: sizes[1]?.url ?? sizes[0]?.url ?? '', srcset: srcset(image) || undefined, alt, loading: 'lazy',
        sizes: '(min-width: 1100px) 260px, (min-width: 700px) 33vw, 50vw', width: image.width ?? 512 * w,
        height: image.height ?? 512 * hh }),
      h('div', { class: 'explore-text' },
        image.title ? h('p', { class: 'card-title' }, image.title) : null,
        image.prompt ? h('p', { class: 'hint explore-prompt' }, image.prompt) : null,
        h('p', { class: 'hint' }, formatDate(image.published_at)),
        image.prompt && ctx.session.user ? h('a', { class: 'button small secondary',
          href: `#/generate?prompt=${encodeURIComponent(image.prompt)}` }, t('generate.remix')) : null));
  }

  async function reload() {
    next = null;
    grid.replaceChildren();
    state(status, 'loading', t('explore.loading'));
    await more(true);
  }

  async function more(first = false) {
    loading = true;
    try {
      const query = new URLSearchParams({ limit: '24' });
      if (q) query.set('q', q);
      if (!first && next) query.set('cursor', next);
      const { data, meta } = await api.call(`/api/gallery/public?${query}`, { auth: false });
      next = meta.pagination?.next_cursor ?? null;
      grid.append(...data.map(item));
      if (!grid.children.length) state(status, 'empty', q ? t('gallery.no_match') : t('explore.empty'));
      else status.replaceChildren();
    } catch (error) {
      state(status, 'error', toast.describe(error), h('button', { type: 'button', onclick: () => reload() }, t('common.retry')));
    } finally {
      loading = false;
    }
  }

  reload();
  return { root, title: t('explore.title'), dispose: () => observer.disconnect() };
}
