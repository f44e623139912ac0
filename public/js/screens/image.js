// One image: large view, parameters, versions, edit with an instruction, adjust (crop, turn,
// filters; saved as a new version), details (title, alt
// text, tags, favourite, published), downloads, remix, and delete with an undo window. Offline it
// opens from the device's copy and says what needs the network.

import * as api from '../api.js';
import { field, h, state } from '../dom.js';
import { formatBytes, formatDateTime, t } from '../i18n.js';
import * as library from '../library.js';
import { adjustPanel } from '../widgets/adjust.js';
import { altOf, picture } from '../widgets/card.js';
import { shareLinks } from '../widgets/share.js';
import * as toast from '../widgets/toast.js';

/** Deletion waits this long for an undo before it reaches the server. */
const UNDO_MS = 6000;

export function render(ctx) {
  const id = ctx.params[0];
  const root = h('section', { class: 'image-view' }, h('h1', { class: 'visually-hidden' }, t('image.title')));
  const body = h('div');
  root.append(body);
  state(body, 'loading', t('image.loading'));
  library.image(id).then(({ image, offline }) => show(image, offline))
    .catch((error) => state(body, 'error', error.status === 404 ? t('image.not_found') : toast.describe(error),
      h('a', { href: '#/gallery', class: 'button' }, t('nav.gallery'))));

  function show(image, offline) {
    root.querySelector('h1').textContent = image.title || t('image.title');
    root.querySelector('h1').className = 'image-title';
    const needsNetwork = offline ? h('p', { class: 'notice', role: 'status' }, t('image.offline')) : null;
    body.replaceChildren(h('div', { class: 'image-layout' },
      h('figure', { class: 'image-figure' }, picture(image, '(min-width: 960px) 60vw, 100vw', true),
        image.alt_text ? h('figcaption', {}, image.alt_text) : null),
      h('div', { class: 'image-side' }, needsNetwork, actions(image, offline), parameters(image), versions(image),
        offline ? null : editForm(image), adjust(image), offline ? null : details(image),
        offline ? null : shareLinks('image', image.id))));
    if (ctx.query.get('edit')) body.querySelector('#instruction')?.focus();
  }

  function actions(image, offline) {
    return h('div', { class: 'row wrap image-actions' },
      h('a', { class: 'button', href: `#/generate?remix=${image.id}` }, t('generate.remix')),
      offline ? null : downloadMenu(image),
      image.public_urls?.original ? h('a', { class: 'button secondary', href: image.public_urls.original, target: '_blank',
        rel: 'noopener' }, t('image.public_link')) : null,
      offline ? null : h('button', { type: 'button', class: 'danger', onclick: () => remove(image) }, t('image.delete')));
  }

  /** The original in PNG, JPEG or WebP, with its generation parameters or without. */
  function downloadMenu(image) {
    const format = h('select', { name: 'format' }, [['png', 'PNG'], ['jpeg', 'JPEG'], ['webp', 'WebP']]
      .map(([v, l]) => h('option', { value: v }, l)));
    const keep = h('input', { type: 'checkbox', name: 'metadata', checked: true });
    const form = h('form', { class: 'stack' }, field(t('image.format'), format),
      h('label', { class: 'check' }, keep, t('image.keep_metadata')),
      h('button', { type: 'submit', class: 'primary small' }, t('image.download')));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        await api.saveFile(`/api/gallery/${image.id}/download?format=${format.value}&metadata=${keep.checked ? 'keep' : 'strip'}`);
      } catch (error) {
        toast.error(error);
      }
    });
    return h('details', { class: 'menu' }, h('summary', { class: 'button secondary' }, t('image.download')),
      h('div', { class: 'menu-panel' }, form));
  }

  function parameters(image) {
    const p = image.parameters ?? {};
    const rows = [[t('generate.prompt'), p.prompt], [t('generate.negative'), p.negative_prompt],
      [t('generate.ratio'), p.aspect_ratio], [t('generate.quality'), p.quality && t(`generate.${p.quality}`)],
      [t('generate.seed'), p.seed], [t('image.model'), p.model],
      [t('image.size'), image.width && `${image.width} × ${image.height} · ${formatBytes(image.bytes)}`],
      [t('image.created'), formatDateTime(image.created_at)]];
    return h('section', { class: 'card' }, h('h2', {}, t('image.parameters')),
      h('dl', { class: 'params' }, rows.filter(([, v]) => v !== null && v !== undefined && v !== '')
        .flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))])));
  }

  function versions(image) {
    const v = image.versions ?? { parent: image.parent_image_id, children: [] };
    if (!v.parent && !v.children?.length) return null;
    return h('section', { class: 'card' }, h('h2', {}, t('image.versions')), h('ul', { class: 'versions' },
      v.parent ? h('li', {}, h('a', { href: `#/image/${v.parent}` }, t('image.parent'))) : null,
      ...(v.children ?? []).map((child, i) => h('li', {}, h('a', { href: `#/image/${child}` }, t('image.child', { n: i + 1 }))))));
  }

  function editForm(image) {
    const instruction = h('textarea', { id: 'instruction', name: 'instruction', rows: 2, maxlength: 1000, required: true });
    const button = h('button', { type: 'submit', class: 'primary' }, t('image.apply_edit'));
    const message = h('p', { class: 'form-error', role: 'alert' });
    const form = h('form', { class: 'card' }, h('h2', {}, t('image.edit')),
      field(t('image.instruction'), instruction, t('image.instruction_hint')), message, button);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (!instruction.value.trim()) { instruction.focus(); return; }
      button.disabled = true;
      button.textContent = t('generate.working');
      try {
        const { data } = await api.call('/api/generate/edit', { method: 'POST',
          body: { image_id: image.id, instruction: instruction.value.trim() },
          headers: { 'Idempotency-Key': crypto.randomUUID() } });
        toast.show(t('image.edited'));
        ctx.navigate(`#/image/${data.images[0].id}`);
      } catch (error) {
        message.textContent = toast.describe(error);
        button.disabled = false;
        button.textContent = t('image.apply_edit');
      }
    });
    return form;
  }

  /** Offline too: the panel says that saving needs the network. */
  function adjust(image) {
    return adjustPanel(image, { onsaved: (created) => ctx.navigate(`#/image/${created.id}`) });
  }

  function details(image) {
    const title = h('input', { name: 'title', value: image.title ?? '', maxlength: 200 });
    const alt = h('textarea', { name: 'alt_text', rows: 2, maxlength: 1000 });
    alt.value = image.alt_text ?? '';
    const tags = h('input', { name: 'tags', value: image.tags.join(', ') });
    const favorite = h('input', { type: 'checkbox', name: 'is_favorite', checked: image.is_favorite });
    const published = h('input', { type: 'checkbox', name: 'is_public', checked: image.is_public });
    const message = h('p', { class: 'form-error', role: 'alert' });
    const form = h('form', { class: 'card' }, h('h2', {}, t('image.details')),
      field(t('image.title_field'), title), field(t('image.alt'), alt, t('image.alt_hint')),
      field(t('image.tags'), tags, t('image.tags_hint')),
      h('label', { class: 'check' }, favorite, t('image.favorite')),
      h('label', { class: 'check' }, published, t('image.publish')), message,
      h('button', { type: 'submit', class: 'primary' }, t('common.save')));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      message.textContent = '';
      const change = { title: title.value, alt_text: alt.value, is_favorite: favorite.checked, is_public: published.checked,
        tags: tags.value.split(',').map((x) => x.trim()).filter(Boolean) };
      try {
        const { data } = await api.call(`/api/gallery/${image.id}`, { method: 'PATCH', body: change });
        await library.store({ ...data, versions: image.versions });
        toast.show(t('common.saved'));
        show({ ...data, versions: image.versions }, false);
      } catch (error) {
        message.textContent = toast.describe(error);
      }
    });
    return form;
  }

  /** Hidden at once, deleted after the undo window unless undone. */
  function remove(image) {
    let undone = false;
    library.pendingDeletion.add(image.id);
    const timer = setTimeout(async () => {
      if (undone) return;
      library.pendingDeletion.delete(image.id);
      try {
        await api.call(`/api/gallery/${image.id}`, { method: 'DELETE' });
        await library.forget(image.id);
      } catch (error) {
        toast.error(error);
      }
    }, UNDO_MS);
    toast.show(t('image.deleted', { name: altOf(image).slice(0, 40) }), { ms: UNDO_MS, action: { label: t('common.undo'),
      run: () => {
        undone = true;
        clearTimeout(timer);
        library.pendingDeletion.delete(image.id);
        ctx.navigate(`#/image/${image.id}`);
      } } });
    ctx.navigate('#/gallery');
  }

  return { root, title: t('image.title') };
}
