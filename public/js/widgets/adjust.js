// The image view's "Adjust" panel: crop presets, quarter turns, a horizontal flip and filters,
// drawn on a canvas in the browser and saved as a new version of the image (a PNG upload). The
// original is loaded only when the panel is opened: most visits to an image never adjust it.

import * as api from '../api.js';
import { field, h } from '../dom.js';
import { t } from '../i18n.js';
import * as toast from './toast.js';

const CROPS = ['original', '1:1', '4:3', '3:4', '16:9', '9:16'];
const FILTERS = ['none', 'grayscale', 'sepia'];
const SLIDERS = ['brightness', 'contrast', 'saturation'];
/** Enough to judge the result at the panel's width without redrawing a 2K image on every input. */
const PREVIEW_SIDE = 720;
/** The export's longest side: the largest size the app generates. */
const EXPORT_SIDE = 2048;
/** The server's smallest accepted side. */
const MIN_SIDE = 64;
/** Under the function platform's 4.5 MB request limit, with room for the headers. */
const MAX_UPLOAD = 4 * 1024 * 1024;

const initial = () => ({ crop: 'original', turns: 0, flip: false, filter: 'none', brightness: 100, contrast: 100, saturation: 100 });

/** The panel for `image`; `onsaved(newImage)` runs after the new version is stored. */
export function adjustPanel(image, { onsaved }) {
  let edits = initial();
  let source = null;
  const canvas = h('canvas', { class: 'adjust-canvas', role: 'img', 'aria-label': t('adjust.preview') });
  const status = h('p', { class: 'hint', role: 'status' });
  const crop = h('select', { name: 'crop', onchange: () => change({ crop: crop.value }) },
    CROPS.map((c) => h('option', { value: c }, c === 'original' ? t('adjust.crop_original') : c)));
  const filter = h('select', { name: 'filter', onchange: () => change({ filter: filter.value }) },
    FILTERS.map((f) => h('option', { value: f }, t(`adjust.filter_${f}`))));
  const sliders = SLIDERS.map((name) => h('input', { type: 'range', name, min: 0, max: 200, step: 5, value: 100,
    oninput: (event) => change({ [name]: Number(event.target.value) }) }));
  const button = (label, run) => h('button', { type: 'button', class: 'secondary small', onclick: run }, label);
  const save = h('button', { type: 'submit', class: 'primary' }, t('adjust.save'));
  const offlineNote = h('p', { class: 'hint', id: `adjust-offline-${image.id}` }, t('error.offline'));
  const message = h('p', { class: 'form-error', role: 'alert' });
  const controls = h('fieldset', { class: 'adjust-controls', disabled: true },
    h('legend', { class: 'visually-hidden' }, t('adjust.title')),
    field(t('adjust.crop'), crop),
    h('div', { class: 'row wrap' },
      button(t('adjust.rotate_left'), () => change({ turns: (edits.turns + 3) % 4 })),
      button(t('adjust.rotate_right'), () => change({ turns: (edits.turns + 1) % 4 })),
      button(t('adjust.flip'), () => change({ flip: !edits.flip })),
      button(t('adjust.reset'), reset)),
    field(t('adjust.filter'), filter),
    SLIDERS.map((name, i) => field(t(`adjust.${name}`), sliders[i])),
    message, offlineNote, save);
  const form = h('form', { class: 'stack' }, canvas, status, controls);
  const root = h('details', { class: 'card adjust' }, h('summary', {}, h('h2', {}, t('adjust.title'))), form);

  root.addEventListener('toggle', () => { if (root.open && !source) load(); });
  form.addEventListener('submit', submit);
  // The listeners would outlive the view: the first event after the panel left the page removes them.
  const network = () => {
    if (!root.isConnected) {
      window.removeEventListener('online', network);
      window.removeEventListener('offline', network);
      return;
    }
    update();
  };
  window.addEventListener('online', network);
  window.addEventListener('offline', network);
  update();

  async function load() {
    status.textContent = t('adjust.loading');
    try {
      source = await decode(image.urls?.original);
      status.textContent = '';
      controls.disabled = false;
      draw();
    } catch (error) {
      status.textContent = t('adjust.load_failed', { message: toast.describe(error) });
    }
  }

  function change(part) {
    edits = { ...edits, ...part };
    message.textContent = '';
    draw();
  }

  function reset() {
    edits = initial();
    crop.value = edits.crop;
    filter.value = edits.filter;
    for (const slider of sliders) slider.value = 100;
    change({});
  }

  function draw() {
    if (source) render(canvas, source, edits, PREVIEW_SIDE);
    update();
  }

  /** Save needs the network and something to save. */
  function update() {
    const online = navigator.onLine;
    offlineNote.hidden = online;
    save.disabled = !online || !source || describe(edits) === '';
    if (online) save.removeAttribute('aria-describedby');
    else save.setAttribute('aria-describedby', offlineNote.id);
  }

  async function submit(event) {
    event.preventDefault();
    if (save.disabled) return;
    save.disabled = true;
    save.setAttribute('aria-busy', 'true');
    message.textContent = '';
    try {
      const png = await exportPng(source, edits);
      const { data } = await api.upload(`/api/gallery/${image.id}/versions?edits=${encodeURIComponent(describe(edits))}`, png);
      toast.show(t('adjust.saved'));
      onsaved(data);
    } catch (error) {
      message.textContent = toast.describe(error);
    } finally {
      save.removeAttribute('aria-busy');
      update();
    }
  }

  return root;
}

/** A drawable bitmap of `url`. An <img> from another origin (the storage's) would taint the
 *  canvas and forbid the export, so its bytes are fetched (CORS) and decoded here. */
async function decode(url) {
  if (!url) throw new api.ApiError(404, 'NOT_FOUND', 'no original');
  let response;
  try {
    response = await fetch(url, { credentials: 'omit' });
  } catch {
    throw new api.ApiError(0, 'OFFLINE', 'network unavailable');
  }
  if (!response.ok) throw new api.ApiError(response.status, 'ERROR', `HTTP ${response.status}`);
  return createImageBitmap(await response.blob());
}

/** What was done, for the version's record: "crop 1:1, rotate 90°, grayscale"; '' when nothing. */
export function describe(e) {
  return [e.crop === 'original' ? '' : `crop ${e.crop}`, e.turns ? `rotate ${e.turns * 90}°` : '',
    e.flip ? 'flip horizontal' : '', e.filter === 'none' ? '' : e.filter,
    ...SLIDERS.map((name) => (e[name] === 100 ? '' : `${name} ${e[name]}%`))].filter(Boolean).join(', ');
}

/** The PNG to upload: the longest side at most EXPORT_SIDE, and smaller again while the file is
 *  over MAX_UPLOAD (a detailed photo-like PNG at 2048² can be twice that). */
async function exportPng(source, edits) {
  const canvas = document.createElement('canvas');
  for (let side = EXPORT_SIDE; ; side = Math.round(side * 0.7)) {
    render(canvas, source, edits, side);
    const png = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
    if (!png) throw new api.ApiError(0, 'ERROR', 'the image could not be exported');
    if (png.size <= MAX_UPLOAD || Math.min(canvas.width, canvas.height) <= MIN_SIDE) return png;
  }
}

/** Draws `source` with `edits` on `canvas`, its longest side at most `maxSide` and its shorter
 *  one at least MIN_SIDE. Crops are centred and taken in the turned picture's orientation, so
 *  "16:9" is 16:9 as shown, whatever the turns. */
function render(canvas, source, edits, maxSide) {
  const odd = edits.turns % 2 === 1;
  const [tw, th] = odd ? [source.height, source.width] : [source.width, source.height];
  let [cw, ch] = [tw, th];
  if (edits.crop !== 'original') {
    const [a, b] = edits.crop.split(':').map(Number);
    if (tw / th > a / b) cw = (th * a) / b;
    else ch = (tw * b) / a;
  }
  const scale = Math.max(Math.min(1, maxSide / Math.max(cw, ch)), MIN_SIDE / Math.min(cw, ch));
  const [w, hgt] = [Math.max(MIN_SIDE, Math.round(cw * scale)), Math.max(MIN_SIDE, Math.round(ch * scale))];
  // The crop in the source's own orientation: turning about the centre keeps a centred crop centred.
  const [sw, sh] = odd ? [ch, cw] : [cw, ch];
  const [dw, dh] = odd ? [hgt, w] : [w, hgt];
  canvas.width = w;
  canvas.height = hgt;
  const ctx = canvas.getContext('2d');
  ctx.save();
  ctx.filter = filterOf(edits);
  ctx.translate(w / 2, hgt / 2);
  ctx.scale(edits.flip ? -1 : 1, 1);
  ctx.rotate((edits.turns * Math.PI) / 2);
  ctx.drawImage(source, (source.width - sw) / 2, (source.height - sh) / 2, sw, sh, -dw / 2, -dh / 2, dw, dh);
  ctx.restore();
}

function filterOf(e) {
  const parts = [e.filter === 'none' ? '' : `${e.filter}(1)`,
    e.brightness === 100 ? '' : `brightness(${e.brightness}%)`, e.contrast === 100 ? '' : `contrast(${e.contrast}%)`,
    e.saturation === 100 ? '' : `saturate(${e.saturation}%)`].filter(Boolean);
  return parts.length ? parts.join(' ') : 'none';
}
