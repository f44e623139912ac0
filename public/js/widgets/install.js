// The install prompt, offered at a sensible moment: after the first image is made (the app has
// proved useful), never on the first visit; on iOS, which has no prompt, instructions instead.

import { h } from '../dom.js';
import { t } from '../i18n.js';

let deferred = null;
let banner;

export function mount(container) {
  banner = h('div', { class: 'banner', hidden: true });
  container.append(banner);
  window.addEventListener('beforeinstallprompt', (event) => {
    event.preventDefault();
    deferred = event;
  });
  window.addEventListener('appinstalled', () => { banner.hidden = true; deferred = null; });
  window.addEventListener('studio:generated', offer);
}

const dismissed = () => localStorage.getItem('install-dismissed') === 'yes';
const standalone = () => matchMedia('(display-mode: standalone)').matches || navigator.standalone;
const ios = () => /iphone|ipad|ipod/i.test(navigator.userAgent);

function offer() {
  if (dismissed() || standalone() || (!deferred && !ios())) return;
  const later = h('button', { type: 'button', class: 'ghost small', onclick: () => {
    localStorage.setItem('install-dismissed', 'yes');
    banner.hidden = true;
  } }, t('install.later'));
  const install = deferred && h('button', { type: 'button', class: 'primary small', onclick: async () => {
    deferred.prompt();
    await deferred.userChoice;
    deferred = null;
    banner.hidden = true;
  } }, t('install.install'));
  banner.replaceChildren(h('p', {}, deferred ? t('install.offer') : t('install.ios')), install ?? '', later);
  banner.hidden = false;
}
