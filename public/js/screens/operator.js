// The operator's screen: the last 30 daily reports of GET /api/auth/operator/reports. The newest
// day in cards (storage against the plan, generations against the budget, generation time, users,
// failures per route, top users), then every day in a table with <meter> bars. Offered only to an
// operator (the profile's `operator`); anyone else who opens it gets the API's 404 as a message.

import * as api from '../api.js';
import { h, state } from '../dom.js';
import { formatBytes, formatDate, formatNumber, t } from '../i18n.js';
import * as toast from '../widgets/toast.js';

/** The report's route names (usage actions) as the API paths they count. */
const ROUTE_NAMES = {
  generate: 'POST /api/generate', edit: 'POST /api/generate/edit', download: 'GET /api/gallery/{id}/download',
  export: 'POST /api/gallery/export', share_create: 'POST …/share', share_view: 'GET /api/gallery/shared/{token}',
};

export function render(ctx) {
  const body = h('div', { class: 'dashboard-grid' });
  const root = h('section', { class: 'operator' }, h('h1', {}, t('operator.title')),
    h('p', { class: 'hint' }, t('operator.explain')), body);
  if (!ctx.session.user?.operator) {
    state(body, 'error', t('operator.not_operator'));
    return { root, title: t('operator.title') };
  }
  state(body, 'loading', t('operator.loading'));
  load();

  async function load() {
    try {
      const data = await api.get('/api/auth/operator/reports');
      if (!data.reports.length) return state(body, 'empty', t('operator.no_reports'));
      const [latest] = data.reports;
      return body.replaceChildren(today(latest), routes(latest.figures), top(latest.figures), table(data.reports));
    } catch (error) {
      return state(body, 'error', error.status === 404 ? t('operator.not_operator') : toast.describe(error));
    }
  }
  return { root, title: t('operator.title') };
}

const percent = (part, whole) => (whole ? `${formatNumber(Math.round((part * 1000) / whole) / 10)} %` : '–');
const seconds = (ms) => (ms === null || ms === undefined ? '–' : t('operator.seconds', { s: formatNumber(ms / 1000) }));

/** A labelled <meter> of `value` out of `max`, warning from 80 % and alarming from 90 %. */
function bar(label, value, max) {
  return h('meter', { min: 0, max: Math.max(max, 1), low: max * 0.8, high: max * 0.9, optimum: 0,
    value: Math.min(value, Math.max(max, 1)), 'aria-label': label, title: label });
}

function today(report) {
  const f = report.figures;
  const storage = `${formatBytes(f.storage_bytes) || '0'} / ${formatBytes(f.storage_limit_bytes)}`;
  const made = `${formatNumber(f.generations ?? 0)} / ${formatNumber(f.generation_budget ?? 0)}`;
  const timing = f.generation_ms ?? {};
  return h('section', { class: 'card' }, h('h2', {}, t('operator.day', { day: formatDate(report.day) })),
    h('div', { class: 'meter' }, h('div', { class: 'meter-head' }, h('span', {}, t('operator.storage')), h('strong', {}, storage)),
      bar(t('operator.storage'), f.storage_bytes ?? 0, f.storage_limit_bytes ?? 0)),
    h('div', { class: 'meter' }, h('div', { class: 'meter-head' }, h('span', {}, t('operator.generations')), h('strong', {}, made)),
      bar(t('operator.generations'), f.generations ?? 0, f.generation_budget ?? 0)),
    h('dl', { class: 'stats' },
      h('dt', {}, t('operator.p50')), h('dd', {}, seconds(timing.p50)),
      h('dt', {}, t('operator.p95')), h('dd', {}, seconds(timing.p95)),
      h('dt', {}, t('operator.active')), h('dd', {}, formatNumber(f.active_users ?? 0)),
      h('dt', {}, t('operator.new')), h('dd', {}, formatNumber(f.new_users ?? 0)),
      h('dt', {}, t('operator.alerts')), h('dd', {}, (report.alerts_sent ?? []).join(', ') || '–')));
}

function routes(f) {
  const entries = Object.entries(f.routes ?? {});
  return h('section', { class: 'card' }, h('h2', {}, t('operator.failures')),
    entries.length ? h('dl', { class: 'stats' }, entries.flatMap(([name, r]) => [
      h('dt', {}, h('code', {}, ROUTE_NAMES[name] ?? name)),
      h('dd', {}, `${percent(r.failures, r.requests)} (${formatNumber(r.failures)} / ${formatNumber(r.requests)})`)]))
      : h('p', { class: 'hint' }, t('operator.no_requests')));
}

function top(f) {
  const who = (u) => u.email ?? t('operator.deleted_account');
  const list = (title, users, amount) => [h('h3', {}, title), users?.length
    ? h('ol', { class: 'top-users' }, users.map((u) => h('li', {}, h('span', {}, who(u)), h('strong', {}, amount(u)))))
    : h('p', { class: 'hint' }, t('operator.nobody'))];
  return h('section', { class: 'card wide' }, h('h2', {}, t('operator.top')),
    list(t('operator.top_generations'), f.top_users_by_generations, (u) => formatNumber(u.generations)),
    list(t('operator.top_storage'), f.top_users_by_storage, (u) => formatBytes(u.bytes) || '0'));
}

function table(reports) {
  const head = ['day', 'storage', 'generations', 'p50', 'p95', 'failed', 'active', 'new']
    .map((key) => h('th', { scope: 'col' }, t(`operator.col_${key}`)));
  const rows = reports.map(({ day, figures: f }) => {
    const failed = Object.values(f.routes ?? {}).reduce((sum, r) => sum + r.failures, 0);
    const requests = Object.values(f.routes ?? {}).reduce((sum, r) => sum + r.requests, 0);
    return h('tr', {},
      h('th', { scope: 'row' }, formatDate(day)),
      h('td', {}, bar(`${t('operator.storage')} ${formatDate(day)}`, f.storage_bytes ?? 0, f.storage_limit_bytes ?? 0),
        ' ', formatBytes(f.storage_bytes) || '0'),
      h('td', {}, bar(`${t('operator.generations')} ${formatDate(day)}`, f.generations ?? 0, f.generation_budget ?? 0),
        ' ', formatNumber(f.generations ?? 0)),
      h('td', {}, seconds(f.generation_ms?.p50)), h('td', {}, seconds(f.generation_ms?.p95)),
      h('td', {}, percent(failed, requests)),
      h('td', {}, formatNumber(f.active_users ?? 0)), h('td', {}, formatNumber(f.new_users ?? 0)));
  });
  return h('section', { class: 'card wide' }, h('h2', {}, t('operator.days', { n: reports.length })),
    h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': t('operator.days', { n: reports.length }) },
      h('table', { class: 'reports' }, h('thead', {}, h('tr', {}, head)), h('tbody', {}, rows))));
}
