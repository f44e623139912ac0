// The service worker's registration and the update flow: a new version waits, the banner offers
// it, the user accepts, the waiting worker skips waiting, and the page reloads once it controls.

import { h } from '../dom.js';
import { t } from '../i18n.js';

let banner;

export function mount(container) {
  if (!('serviceWorker' in navigator)) return;
  banner = h('div', { class: 'banner', hidden: true });
  container.append(banner);
  navigator.serviceWorker.register('/sw.js').then((registration) => {
    if (registration.waiting && navigator.serviceWorker.controller) offer(registration.waiting);
    registration.addEventListener('updatefound', () => {
      const worker = registration.installing;
      worker?.addEventListener('statechange', () => {
        // With no controller this is the first install, not an update.
        if (worker.state === 'installed' && navigator.serviceWorker.controller) offer(worker);
      });
    });
    // A long-lived tab asks for a new version now and then.
    setInterval(() => registration.update().catch(() => {}), 60 * 60 * 1000);
  }).catch((error) => console.warn('service worker not registered', error));
  let reloading = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (reloading || !banner.dataset.accepted) return;
    reloading = true;
    location.reload();
  });
}

function offer(worker) {
  const render = () => banner.replaceChildren(
    h('p', {}, t('update.available')),
    h('button', { type: 'button', class: 'primary small', onclick: () => {
      banner.dataset.accepted = 'yes';
      worker.postMessage({ type: 'skip-waiting' });
    } }, t('update.reload')),
  );
  render();
  window.addEventListener('langchange', render);
  banner.hidden = false;
}
