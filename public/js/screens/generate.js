// Generate: prompt (with its character count), template picker, aspect ratio, quality,
// variations, and in "advanced" a negative prompt and seed; progress while the model works; the
// results with open, download, edit, remix and add-to-collection. Offline, the prompt is queued.

import * as api from '../api.js';
import { field, h, state } from '../dom.js';
import { t } from '../i18n.js';
import * as library from '../library.js';
import * as queue from '../queue.js';
import { card } from '../widgets/card.js';
import { queueList } from '../widgets/queuelist.js';
import { picker } from '../widgets/templates.js';
import * as toast from '../widgets/toast.js';

const RATIOS = ['1:1', '16:9', '9:16', '4:3', '3:4'];
const PROMPT_MAX = 1000;

function radios(name, legend, options, checked) {
  return h('fieldset', { class: `radios radios-${name}` }, h('legend', {}, legend),
    ...options.map(([value, label]) => h('label', { class: 'radio' },
      h('input', { type: 'radio', name, value, checked: value === checked }),
      name === 'aspect_ratio' ? h('span', { class: `ratio ratio-${value.replace(':', 'x')}`, 'aria-hidden': 'true' }) : null,
      h('span', {}, label))));
}

export function render(ctx) {
  const prompt = h('textarea', { name: 'prompt', rows: 4, maxlength: PROMPT_MAX, required: true,
    placeholder: t('generate.placeholder') });
  const count = h('span', { class: 'count', id: 'prompt-count' });
  const showCount = () => { count.textContent = t('generate.count', { n: prompt.value.length, max: PROMPT_MAX }); };
  prompt.addEventListener('input', showCount);
  showCount();
  prompt.setAttribute('aria-describedby', 'prompt-count');

  const negative = h('textarea', { name: 'negative_prompt', rows: 2, maxlength: 500 });
  const seed = h('input', { name: 'seed', type: 'number', min: 0, max: 2147483647, inputmode: 'numeric' });
  const variations = h('select', { name: 'variations' }, [1, 2, 3, 4].map((n) => h('option', { value: n }, n)));
  const collection = h('select', { name: 'collection_id' }, h('option', { value: '' }, t('generate.no_collection')));
  const ratioBox = h('div', { class: 'ratio-slot' }, radios('aspect_ratio', t('generate.ratio'), RATIOS.map((r) => [r, r]), '1:1'));
  const qualityBox = h('div', {}, radios('quality', t('generate.quality'),
    [['standard', t('generate.standard')], ['high', t('generate.high')]], 'standard'));
  const templateSlot = h('div', { class: 'template-slot' });
  const submit = h('button', { type: 'submit', class: 'primary wide' }, t('generate.submit'));
  const message = h('p', { class: 'form-error', role: 'alert' });

  const form = h('form', { class: 'generate-form card', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'prompt' }, t('generate.prompt')), prompt, count),
    templateSlot,
    h('div', { class: 'row wrap' }, ratioBox, qualityBox, field(t('generate.variations'), variations)),
    h('details', { class: 'advanced' }, h('summary', {}, t('generate.advanced')),
      field(t('generate.negative'), negative, t('generate.negative_hint')),
      field(t('generate.seed'), seed, t('generate.seed_hint')),
      field(t('generate.collection'), collection)),
    message, submit);
  prompt.id = 'prompt';

  const progress = h('div', { class: 'progress card', hidden: true, role: 'status' });
  const results = h('section', { class: 'results', 'aria-labelledby': 'results-title', hidden: true });
  const pending = queueList();
  const root = h('section', { class: 'generate' }, h('h1', {}, t('generate.title')),
    h('div', { class: 'generate-layout' }, form, h('div', { class: 'generate-side' }, progress, results, pending.root)));

  let templates = null;
  state(templateSlot, 'loading', t('generate.loading_templates'));
  picker((template) => {
    if (template?.default_aspect_ratio) form.elements.aspect_ratio.value = template.default_aspect_ratio;
  }).then((p) => { templates = p; templateSlot.replaceChildren(p.root); applyDefaults(); })
    .catch(() => state(templateSlot, 'error', t('generate.templates_unavailable')));
  library.collections().then(({ items }) => collection.append(...items.map((c) => h('option', { value: c.id }, c.name))))
    .catch(() => {});

  async function applyDefaults() {
    const remix = ctx.query.get('remix');
    if (remix) return fill((await library.image(remix)).image.parameters);
    if (ctx.query.get('prompt')) prompt.value = ctx.query.get('prompt');
    showCount();
    try {
      const settings = await api.get('/api/auth/settings');
      form.elements.aspect_ratio.value = settings.default_aspect_ratio;
      form.elements.quality.value = settings.default_quality;
      if (settings.default_template_id) templates?.set(settings.default_template_id);
    } catch {
      // Offline: the form's own defaults stand.
    }
    return undefined;
  }

  /** Refills the form from an image's parameters ("remix"). */
  function fill(parameters) {
    prompt.value = parameters.prompt ?? '';
    negative.value = parameters.negative_prompt ?? '';
    seed.value = parameters.seed ?? '';
    form.elements.aspect_ratio.value = parameters.aspect_ratio;
    form.elements.quality.value = parameters.quality;
    templates?.set(parameters.template_id ?? '');
    showCount();
    prompt.focus();
  }

  function body() {
    const out = { prompt: prompt.value.trim(), aspect_ratio: form.elements.aspect_ratio.value,
      quality: form.elements.quality.value, variations: Number(variations.value) };
    if (negative.value.trim()) out.negative_prompt = negative.value.trim();
    if (seed.value !== '') out.seed = Number(seed.value);
    if (templates?.value()) out.template = templates.value();
    if (collection.value) out.collection_id = collection.value;
    return out;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.textContent = '';
    if (!prompt.value.trim()) {
      message.textContent = t('generate.prompt_required');
      prompt.focus();
      return;
    }
    const request = body();
    if (!navigator.onLine) return queued(request);
    busy(true);
    try {
      const { data } = await api.call('/api/generate', { method: 'POST', body: request,
        headers: { 'Idempotency-Key': crypto.randomUUID() } });
      show(data);
      window.dispatchEvent(new CustomEvent('studio:generated'));
    } catch (error) {
      if (error.offline) await queued(request);
      else message.textContent = toast.describe(error);
    } finally {
      busy(false);
    }
    return undefined;
  });

  async function queued(request) {
    await queue.enqueue(request);
    toast.show(t('queue.added'));
  }

  let timer;
  function busy(on) {
    submit.disabled = on;
    form.setAttribute('aria-busy', String(on));
    clearInterval(timer);
    progress.hidden = !on;
    if (!on) return;
    const started = Date.now();
    const seconds = h('span', { class: 'elapsed', 'aria-hidden': 'true' });
    progress.replaceChildren(h('p', {}, t('generate.working')), h('div', { class: 'bar' }, h('span')), seconds);
    timer = setInterval(() => { seconds.textContent = t('generate.elapsed', { s: Math.round((Date.now() - started) / 1000) }); }, 1000);
  }

  function show(data) {
    results.hidden = false;
    results.replaceChildren(h('h2', { id: 'results-title', tabindex: -1 }, t('generate.results', { n: data.images.length })),
      h('ul', { class: 'grid' }, data.images.map((image) => resultCard(image))),
      data.quota?.daily?.limit ? h('p', { class: 'hint' }, t('generate.quota_left',
        { n: data.quota.daily.limit - data.quota.daily.used })) : null);
    results.querySelector('h2').focus();
  }

  function resultCard(image) {
    const shown = { ...image, parameters: { prompt: image.prompt, aspect_ratio: image.aspect_ratio } };
    library.store({ ...shown, tags: [], is_favorite: false, is_public: false, created_at: new Date().toISOString(),
      parameters: { prompt: image.prompt, negative_prompt: image.negative_prompt, template_id: image.template_id,
        aspect_ratio: image.aspect_ratio, quality: image.quality, seed: image.seed, model: image.model } });
    const item = card(shown, { eager: true });
    item.append(h('div', { class: 'card-actions' },
      h('button', { type: 'button', class: 'small', onclick: () => api.saveFile(`/api/gallery/${image.id}/download`)
        .catch((error) => toast.error(error)) }, t('image.download')),
      h('a', { class: 'button small', href: `#/image/${image.id}?edit=1` }, t('image.edit')),
      h('button', { type: 'button', class: 'ghost small', onclick: () => fill(image) }, t('generate.remix'))),
    saveTo(image));
    return item;
  }

  /** A result added to one of the user's collections after the fact (the form's choice applies before). */
  function saveTo(image) {
    const choice = h('select', { name: `save-${image.id}` },
      ...[...collection.options].filter((option) => option.value).map((option) => h('option', { value: option.value },
        option.textContent)));
    const add = h('button', { type: 'button', class: 'small' }, t('generate.add_to_collection'));
    add.addEventListener('click', async () => {
      add.disabled = true;
      try {
        await api.call(`/api/gallery/collections/${choice.value}/images`,
          { method: 'POST', body: { image_ids: [image.id] } });
        toast.show(t('generate.added_to', { name: choice.selectedOptions[0].textContent }));
      } catch (error) {
        toast.error(error);
      } finally {
        add.disabled = false;
      }
    });
    const form = h('div', { class: 'save-to' }, field(t('generate.collection'), choice), add);
    form.hidden = choice.options.length === 0;
    return form;
  }

  return { root, title: t('generate.title'), dispose: () => { clearInterval(timer); pending.dispose(); } };
}
