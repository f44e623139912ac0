// Settings: profile, language, generation defaults, password, API keys and own Gemini key,
// sessions, sign out (here or everywhere: every key revoked too) and deleting the account.

import * as api from '../api.js';
import { field, h } from '../dom.js';
import { currentLang, setLang, t } from '../i18n.js';
import { keys } from '../widgets/keys.js';
import { password } from '../widgets/password.js';
import { sessions } from '../widgets/sessions.js';
import * as toast from '../widgets/toast.js';

const RATIOS = ['1:1', '16:9', '9:16', '4:3', '3:4'];

/** A card with a form that PATCHes `path` with `body()` and reports. */
function patchForm(title, path, fields, body, after) {
  const form = h('form', { class: 'card' }, h('h2', {}, title), fields,
    h('button', { type: 'submit', class: 'primary' }, t('common.save')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const { data } = await api.call(path, { method: 'PATCH', body: body() });
      await after?.(data);
      toast.show(t('common.saved'));
    } catch (error) {
      toast.error(error);
    }
  });
  return form;
}

export function render(ctx) {
  const user = ctx.session.user;
  const name = h('input', { name: 'name', value: user.name ?? '', maxlength: 100, autocomplete: 'name' });
  const language = h('select', { name: 'locale' },
    [['id', 'Bahasa Indonesia'], ['en', 'English']].map(([v, l]) => h('option', { value: v, selected: v === currentLang() }, l)));
  const profile = patchForm(t('settings.profile'), '/api/auth/profile',
    [h('p', { class: 'hint' }, user.email), field(t('auth.name'), name), field(t('settings.language'), language)],
    () => ({ name: name.value.trim(), locale: language.value }),
    async () => { await ctx.reloadUser(); setLang(language.value); });

  const quality = h('select', { name: 'default_quality' },
    ['standard', 'high'].map((q) => h('option', { value: q }, t(`generate.${q}`))));
  const ratio = h('select', { name: 'default_aspect_ratio' }, RATIOS.map((r) => h('option', { value: r }, r)));
  const showPrompt = h('input', { type: 'checkbox', name: 'show_prompt_publicly' });
  const defaults = patchForm(t('settings.defaults'), '/api/auth/settings',
    [field(t('generate.quality'), quality), field(t('generate.ratio'), ratio),
      h('label', { class: 'check' }, showPrompt, t('settings.show_prompt'))],
    () => ({ default_quality: quality.value, default_aspect_ratio: ratio.value,
      show_prompt_publicly: showPrompt.checked }));
  api.get('/api/auth/settings').then((s) => {
    quality.value = s.default_quality;
    ratio.value = s.default_aspect_ratio;
    showPrompt.checked = s.show_prompt_publicly;
  }).catch((error) => toast.error(error));

  const signOut = h('section', { class: 'card' }, h('h2', {}, t('settings.sign_out')),
    h('div', { class: 'row wrap' },
      h('button', { type: 'button', class: 'secondary', onclick: () => leave(ctx, false) }, t('settings.sign_out')),
      h('button', { type: 'button', class: 'secondary', onclick: () => leave(ctx, true) }, t('settings.sign_out_all'))));

  // Password change and keys wait for a confirmed address (the API refuses them before).
  const credentials = user.email_verified === false ? keysLater() : passwordAndKeys();
  const root = h('section', { class: 'settings' }, h('h1', {}, t('settings.title')),
    h('div', { class: 'settings-grid' }, profile, defaults, credentials, sessions(), signOut, deleteAccount(ctx)));
  return { root, title: t('settings.title') };
}

/** The password card and the key card; keys revoked from the list a password change shows leave the key card's list too. */
function passwordAndKeys() {
  const keyCard = keys();
  const passwordCard = password();
  passwordCard.addEventListener('keys-changed', () => keyCard.dispatchEvent(new Event('keys-changed')));
  return [passwordCard, keyCard];
}

/** Keys wait for a confirmed address (the API refuses them before): said, not attempted. */
function keysLater() {
  return h('section', { class: 'card' }, h('h2', {}, t('keys.title')), h('p', { class: 'hint' }, t('keys.unverified')));
}

async function leave(ctx, everywhere) {
  if (everywhere && !confirm(t('settings.sign_out_all_confirm'))) return;
  try {
    const done = await api.signOut(everywhere);
    if (everywhere && done?.revoked) toast.show(t('settings.signed_out_all', done.revoked));
  } catch (error) {
    if (!error.offline) toast.error(error);
  }
  await ctx.signedOut();
}

function deleteAccount(ctx) {
  const password = h('input', { type: 'password', name: 'password', required: true, autocomplete: 'current-password' });
  const form = h('form', { class: 'card danger-zone' }, h('h2', {}, t('settings.delete_account')),
    h('p', {}, t('settings.delete_explain')), field(t('settings.confirm_password'), password),
    h('button', { type: 'submit', class: 'danger' }, t('settings.delete_account')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!password.value) { password.focus(); return; }
    if (!confirm(t('settings.delete_confirm'))) return;
    try {
      await api.call('/api/auth/account', { method: 'DELETE', body: { password: password.value } });
      toast.show(t('settings.deleted'));
      await ctx.signedOut();
    } catch (error) {
      toast.error(error);
    }
  });
  return form;
}
