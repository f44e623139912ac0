// The offline prompt queue: a prompt made without a network is kept in IndexedDB and sent when
// the connection returns (Background Sync asks through the service worker where the browser has
// it; the `online` event otherwise). Each entry carries an Idempotency-Key, so a send that
// reached the server before the connection dropped is never charged twice.

import * as api from './api.js';
import * as db from './db.js';

let userOf = () => null;
let onSent = () => {};
let flushing = null;

export function start(currentUser, sent) {
  userOf = currentUser;
  onSent = sent;
  window.addEventListener('online', () => flush());
  navigator.serviceWorker?.addEventListener('message', (event) => {
    if (event.data?.type === 'flush-queue') flush();
  });
  if (navigator.onLine) flush();
}

/** Queues a generation request; resolves to the stored entry. */
export async function enqueue(body) {
  const entry = { id: crypto.randomUUID(), body, state: 'queued', created_at: new Date().toISOString() };
  await db.put('queue', entry);
  changed();
  try {
    const registration = await navigator.serviceWorker?.ready;
    await registration?.sync?.register('prompt-queue');
  } catch {
    // No Background Sync (or not allowed): the `online` listener sends it.
  }
  return entry;
}

export async function entries() {
  return (await db.all('queue')).sort((a, b) => a.created_at.localeCompare(b.created_at));
}

export async function discard(id) {
  await db.remove('queue', id);
  changed();
}

/** Sends every queued entry once; concurrent calls share one pass. */
export function flush() {
  flushing ??= pass().finally(() => { flushing = null; });
  return flushing;
}

async function pass() {
  if (!userOf()) return;
  for (const entry of await entries()) {
    if (entry.state === 'done') continue;
    await db.put('queue', { ...entry, state: 'sending' });
    changed();
    try {
      const result = await send(entry);
      await db.put('queue', { ...entry, state: 'done', image_ids: result.images.map((i) => i.id) });
      onSent(result);
    } catch (error) {
      const state = error.offline ? 'queued' : 'failed';
      await db.put('queue', { ...entry, state, error: error.offline ? undefined : error.message });
    }
    changed();
  }
}

/** One entry sent; the page can come back online a moment before its service worker does, so a
 *  network failure right after `online` is retried briefly. */
async function send(entry) {
  for (let attempt = 0; ; attempt++) {
    try {
      const { data } = await api.call('/api/generate', { method: 'POST', body: entry.body,
        headers: { 'Idempotency-Key': entry.id } });
      return data;
    } catch (error) {
      if (!error.offline || attempt >= 3) throw error;
      await new Promise((resolve) => setTimeout(resolve, 300 * (attempt + 1)));
    }
  }
}

function changed() {
  window.dispatchEvent(new CustomEvent('queuechange'));
}
