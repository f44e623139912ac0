// The gallery's data with an offline copy: every image, page and collection read from the API is
// also written to IndexedDB, and when the network is gone the same calls answer from there.

import * as api from './api.js';
import * as db from './db.js';

/** Filters of the gallery listing that the API understands. */
const FILTERS = ['q', 'tag', 'collection', 'favorite', 'visibility', 'aspect_ratio'];

/** Images deleted in this tab but still inside their undo window: hidden from every listing. */
export const pendingDeletion = new Set();

/** One page of images: `{items, next, offline}`. */
export async function page(filters, cursor) {
  const query = new URLSearchParams({ limit: '24' });
  for (const name of FILTERS) if (filters[name]) query.set(name, filters[name]);
  if (cursor) query.set('cursor', cursor);
  try {
    const { data, meta } = await api.call(`/api/gallery?${query}`);
    await db.putAll('images', data);
    if (filters.collection) await remember(`collection:${filters.collection}`, data, cursor);
    const items = data.filter((i) => !pendingDeletion.has(i.id));
    return { items, next: meta.pagination?.next_cursor ?? null, offline: false };
  } catch (error) {
    if (!error.offline) throw error;
    const items = (await offlinePage(filters)).filter((i) => !pendingDeletion.has(i.id));
    return { items, next: null, offline: true };
  }
}

/** Which images a collection holds, kept so its view opens offline. */
async function remember(key, items, cursor) {
  const before = cursor ? (await db.get('lists', key))?.ids ?? [] : [];
  await db.put('lists', { key, ids: [...new Set([...before, ...items.map((i) => i.id)])] });
}

async function offlinePage(filters) {
  let items = (await db.all('images')).sort((a, b) => b.created_at.localeCompare(a.created_at));
  if (filters.collection) {
    const ids = new Set((await db.get('lists', `collection:${filters.collection}`))?.ids ?? []);
    items = items.filter((i) => ids.has(i.id));
  }
  if (filters.q) {
    const words = filters.q.toLowerCase().split(/\s+/);
    const text = (i) => [i.title, i.alt_text, i.parameters.prompt, ...i.tags].join(' ').toLowerCase();
    items = items.filter((i) => words.every((w) => text(i).includes(w)));
  }
  if (filters.favorite === 'true') items = items.filter((i) => i.is_favorite);
  if (filters.visibility) items = items.filter((i) => i.is_public === (filters.visibility === 'public'));
  if (filters.aspect_ratio) items = items.filter((i) => i.parameters.aspect_ratio === filters.aspect_ratio);
  if (filters.tag) items = items.filter((i) => i.tags.includes(filters.tag));
  return items;
}

/** One image with its versions; `offline` when it came from the device. */
export async function image(id) {
  try {
    const data = await api.get(`/api/gallery/${id}`);
    await db.put('images', data);
    return { image: data, offline: false };
  } catch (error) {
    if (!error.offline) throw error;
    const stored = await db.get('images', id);
    if (!stored) throw error;
    return { image: stored, offline: true };
  }
}

/** Writes a changed image back to the device copy. */
export const store = (image) => db.put('images', image);
export const forget = (id) => db.remove('images', id);

export async function collections() {
  try {
    const data = await api.get('/api/gallery/collections');
    await db.putAll('collections', data);
    return { items: data, offline: false };
  } catch (error) {
    if (!error.offline) throw error;
    return { items: await db.all('collections'), offline: true };
  }
}

/** The URL of the derivative closest to `width` (CSS px), for a single <img>. */
export function bestUrl(image, width) {
  const sizes = image.urls?.derivatives?.filter((d) => d.url) ?? [];
  const fit = sizes.find((d) => d.width >= width) ?? sizes.at(-1);
  return fit?.url ?? image.urls?.original ?? image.public_urls?.original ?? '';
}

/** `srcset` from the derivatives, so the browser picks the right one for the slot and screen. */
export function srcset(image) {
  return (image.urls?.derivatives ?? []).filter((d) => d.url).map((d) => `${d.url} ${d.width}w`).join(', ');
}
