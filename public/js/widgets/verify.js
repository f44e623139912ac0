// The unconfirmed-address notice: until the signed-in user opens the mailed link, the API refuses
// everything but the account basics (403 EMAIL_NOT_VERIFIED), so the app says why and offers to
// send the link again.

import * as api from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import * as toast from './toast.js';

let banner;
let user = null;

export function mount(container) {
  banner = h('div', { class: 'banner', role: 'status', hidden: true });
  container.append(banner);
  window.addEventListener('langchange', render);
  // A refusal the cached profile did not foresee (confirmed elsewhere, then a stale copy): show it.
  window.addEventListener('studio:unverified', () => {
    if (user) show({ ...user, email_verified: false });
  });
}

/** The signed-in user (or null): the notice shows while their address is unconfirmed. */
export function show(current) {
  user = current;
  render();
}

function render() {
  if (!banner) return;
  banner.hidden = !user || user.email_verified !== false;
  if (banner.hidden) return;
  const resend = h('button', { type: 'button', class: 'primary small', onclick: async () => {
    resend.disabled = true;
    try {
      await api.call('/api/auth/resend-verification', { method: 'POST', auth: false, body: { email: user.email } });
      toast.show(t('verify.resent'));
    } catch (error) {
      toast.error(error);
    } finally {
      resend.disabled = false;
    }
  } }, t('verify.resend'));
  banner.replaceChildren(h('p', {}, t('verify.banner', { email: user.email })), resend);
}
