// Signing up, in, verifying the address, and the forgotten-password pair (forgot, reset). The
// e-mailed links open `#/verify-email?token=…` and `#/reset-password?token=…`.

import * as api from '../api.js';
import { field, h, values } from '../dom.js';
import { t } from '../i18n.js';
import * as toast from '../widgets/toast.js';

const FORMS = { 'sign-in': signIn, 'sign-up': signUp, 'verify-email': verify, 'forgot-password': forgot,
  'reset-password': reset };

export function render(ctx) {
  const build = FORMS[ctx.name];
  const { title, body } = build(ctx);
  const root = h('section', { class: 'auth' }, h('div', { class: 'card auth-card' },
    h('h1', {}, title), body));
  return { root, title };
}

function input(name, type, autocomplete, extra = {}) {
  return h('input', { name, type, autocomplete, required: true, ...extra });
}

/** A form whose submit runs `action(values)`, with a busy button and errors beside their field. */
function form(fields, submitLabel, action) {
  const message = h('p', { class: 'form-error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'primary wide' }, submitLabel);
  const el = h('form', { novalidate: true }, fields, message, button);
  el.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.textContent = '';
    for (const bad of el.querySelectorAll('[aria-invalid]')) bad.removeAttribute('aria-invalid');
    if (!el.checkValidity()) {
      const first = [...el.elements].find((e) => !e.validity.valid);
      first.setAttribute('aria-invalid', 'true');
      message.textContent = t('auth.fill', { field: el.querySelector(`label[for="${first.id}"]`)?.textContent });
      first.focus();
      return;
    }
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    try {
      await action(values(el));
    } catch (error) {
      const bad = error.field && el.elements[error.field];
      if (bad) {
        bad.setAttribute('aria-invalid', 'true');
        bad.focus();
      }
      message.textContent = toast.describe(error);
    } finally {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  });
  return el;
}

const links = (...items) => h('p', { class: 'auth-links' }, items.flatMap((item, i) => [i ? ' · ' : '', item]));

function signIn(ctx) {
  const body = [
    form([
      field(t('auth.email'), input('email', 'email', 'username')),
      field(t('auth.password'), input('password', 'password', 'current-password')),
    ], t('auth.sign_in'), async ({ email, password }) => {
      await api.signIn(email, password);
      await ctx.signedIn(ctx.query.get('next'));
    }),
    links(h('a', { href: '#/sign-up' }, t('auth.no_account')), h('a', { href: '#/forgot-password' }, t('auth.forgot'))),
  ];
  return { title: t('auth.sign_in_title'), body };
}

function signUp() {
  const done = h('div', { role: 'status' });
  const el = form([
    field(t('auth.name'), input('name', 'text', 'name', { maxlength: 100 })),
    field(t('auth.email'), input('email', 'email', 'email')),
    field(t('auth.password'), input('password', 'password', 'new-password', { minlength: 10 }), t('auth.password_hint')),
  ], t('auth.create'), async ({ name, email, password }) => {
    await api.call('/api/auth/register', { method: 'POST', auth: false,
      body: { name, email, password, locale: document.documentElement.lang } });
    el.replaceWith(done);
    done.append(h('p', { class: 'lead' }, t('auth.check_inbox', { email })),
      h('a', { href: '#/sign-in', class: 'button' }, t('auth.sign_in')));
  });
  return { title: t('auth.sign_up_title'), body: [el, done, links(h('a', { href: '#/sign-in' }, t('auth.have_account')))] };
}

function verify(ctx) {
  const status = h('p', { role: 'status', class: 'lead' }, t('auth.verifying'));
  const token = ctx.query.get('token') ?? '';
  // Signed in, the request carries this login: the first confirmation ends every other one.
  const signedIn = Boolean(ctx.session.user);
  api.call('/api/auth/verify-email', { method: 'POST', auth: signedIn, body: { token } })
    .then(async ({ data }) => {
      if (signedIn) await ctx.reloadUser();
      status.replaceChildren(t('auth.verified'), ' ',
        data.sessions_ended ? `${t('auth.others_signed_out', { n: data.sessions_ended })} ` : '',
        h('a', { href: signedIn ? '#/generate' : '#/sign-in' }, t('auth.continue')));
    })
    .catch((error) => {
      status.setAttribute('role', 'alert');
      status.replaceChildren(toast.describe(error), ' ', h('a', { href: '#/sign-in' }, t('auth.sign_in')));
    });
  return { title: t('auth.verify_title'), body: [status] };
}

function forgot() {
  const done = h('div', { role: 'status' });
  const el = form([field(t('auth.email'), input('email', 'email', 'email'))], t('auth.send_link'),
    async ({ email }) => {
      await api.call('/api/auth/password/forgot', { method: 'POST', auth: false, body: { email } });
      el.replaceWith(done);
      done.append(h('p', { class: 'lead' }, t('auth.check_inbox', { email })));
    });
  return { title: t('auth.forgot_title'), body: [el, done, links(h('a', { href: '#/sign-in' }, t('auth.sign_in')))] };
}

function reset(ctx) {
  const token = ctx.query.get('token') ?? '';
  const el = form([
    field(t('auth.new_password'), input('password', 'password', 'new-password', { minlength: 10 }), t('auth.password_hint')),
  ], t('auth.set_password'), async ({ password }) => {
    await api.call('/api/auth/password/reset', { method: 'POST', auth: false, body: { token, password } });
    toast.show(t('auth.password_set'));
    ctx.navigate('#/sign-in');
  });
  return { title: t('auth.reset_title'), body: [el] };
}
