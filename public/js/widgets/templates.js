// The template picker: categories as a row of chips, the templates of the chosen one as radio
// cards with a preview (the template's image when it has one, else a swatch in its category's
// colours). Its value is the chosen template's id, or '' for none.

import * as api from '../api.js';
import { h } from '../dom.js';
import { currentLang, t } from '../i18n.js';

const byLang = (row, field) => row[`${field}_${currentLang()}`] ?? row[`${field}_en`];

/** Resolves to the picker: `{root, value(), set(id)}`; `onchange(template|null)` on each choice. */
export async function picker(onchange) {
  const [categories, templates] = await Promise.all([api.get('/api/templates/categories'), api.get('/api/templates')]);
  let chosen = '';
  let category = 'featured';
  const chips = h('div', { class: 'chips', role: 'group', 'aria-label': t('generate.categories') });
  const grid = h('div', { class: 'template-grid', role: 'radiogroup', 'aria-label': t('generate.template') });
  const root = h('fieldset', { class: 'templates' }, h('legend', {}, t('generate.template')), chips, grid);

  const shown = () => (category === 'featured' ? templates.filter((x) => x.is_featured)
    : templates.filter((x) => x.category === category));

  function renderChips() {
    const chip = (slug, label) => h('button', { type: 'button', class: 'chip', 'aria-pressed': String(slug === category),
      onclick: () => { category = slug; renderChips(); renderGrid(); } }, label);
    chips.replaceChildren(chip('featured', t('generate.featured')),
      ...categories.filter((c) => c.template_count > 0).map((c) => chip(c.slug, byLang(c, 'name'))));
  }

  function option(template) {
    const id = template?.id ?? '';
    const input = h('input', { type: 'radio', name: 'template', value: id, checked: id === chosen,
      onchange: () => { chosen = id; onchange?.(template); } });
    const preview = template?.preview_url
      ? h('img', { src: template.preview_url, alt: '', loading: 'lazy', width: 96, height: 96 })
      : h('span', { class: `swatch swatch-${template?.category ?? 'none'}`, 'aria-hidden': 'true' },
        template ? byLang(template, 'name').slice(0, 1) : '∅');
    return h('label', { class: 'template-card' }, input, preview,
      h('span', { class: 'template-name' }, template ? byLang(template, 'name') : t('generate.no_template')),
      template ? h('span', { class: 'template-desc' }, byLang(template, 'description')) : null);
  }

  function renderGrid() {
    const list = shown();
    const selected = templates.find((x) => x.id === chosen);
    // The chosen template stays visible (first) when another category is browsed.
    if (selected && !list.includes(selected)) list.unshift(selected);
    grid.replaceChildren(option(null), ...list.map(option));
  }

  renderChips();
  renderGrid();
  return {
    root,
    value: () => chosen,
    set(id) {
      chosen = templates.some((x) => x.id === id) ? id : '';
      renderGrid();
    },
    name: (id) => {
      const found = templates.find((x) => x.id === id);
      return found ? byLang(found, 'name') : '';
    },
  };
}
