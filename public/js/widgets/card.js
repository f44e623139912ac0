// An image card: the picture at the right size for its slot (`srcset` over the derivatives), its
// alt text, and a link to the image view.

import { h } from '../dom.js';
import { t, formatDate } from '../i18n.js';
import { srcset, bestUrl } from '../library.js';

/** Alt text: the image's own, else its title, else its prompt (never empty for an image that
 *  carries meaning). */
export function altOf(image) {
  return image.alt_text || image.title || image.parameters?.prompt || t('image.untitled');
}

export function picture(image, sizes, eager = false) {
  const [w, h2] = (image.parameters?.aspect_ratio ?? '1:1').split(':').map(Number);
  return h('img', {
    src: bestUrl(image, 480), srcset: srcset(image) || undefined, sizes, alt: altOf(image),
    width: image.width ?? 512 * w, height: image.height ?? 512 * h2,
    loading: eager ? 'eager' : 'lazy', decoding: 'async',
  });
}

/** Retention's date shown on a card from this many days ahead. */
const DUE_SOON_MS = 14 * 24 * 60 * 60 * 1000;

/** The date retention deletes the image, when that is within 14 days (kept images have none). */
function dueSoon(image) {
  return image.deletes_at && Date.parse(image.deletes_at) - Date.now() < DUE_SOON_MS ? image.deletes_at : null;
}

const GRID_SIZES = '(min-width: 1100px) 260px, (min-width: 700px) 33vw, 50vw';

export function card(image, { selectable = false, selected = false, onselect, eager = false } = {}) {
  const caption = image.title || image.parameters?.prompt || '';
  // A caption that repeats the alt text would be read twice: the picture already says it.
  const link = h('a', { href: `#/image/${image.id}`, class: 'card-link' }, picture(image, GRID_SIZES, eager),
    h('span', { class: 'card-caption', 'aria-hidden': caption === altOf(image) ? 'true' : undefined }, caption));
  const badges = h('span', { class: 'card-badges' },
    image.is_favorite ? h('span', { class: 'badge', title: t('image.favorite') }, '★') : null,
    image.is_public ? h('span', { class: 'badge' }, t('image.public')) : null,
    dueSoon(image) ? h('span', { class: 'badge badge-due' }, t('gallery.deletes_on', { date: formatDate(image.deletes_at) })) : null);
  const item = h('li', { class: 'card', dataset: { id: image.id } }, link, badges);
  if (selectable) {
    const box = h('input', { type: 'checkbox', class: 'card-select', checked: selected,
      'aria-label': t('gallery.select', { name: altOf(image).slice(0, 60) }),
      onchange: () => { item.classList.toggle('is-selected', box.checked); onselect?.(image, box.checked); } });
    item.classList.toggle('is-selected', selected);
    item.prepend(box);
  }
  return item;
}
