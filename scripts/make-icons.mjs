// Draws the app's PNG icons (192, 512 and a maskable 512) from the same shapes as
// public/icons/icon.svg, with no image library: pixels computed here, written as PNG by zlib.
// Run: node scripts/make-icons.mjs

import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const OUT = new URL('../public/icons/', import.meta.url);

const mix = (a, b, t) => a.map((v, i) => v + (b[i] - v) * t);
const VIOLET = [124, 92, 255];
const PINK = [224, 85, 155];
const SUN = [255, 211, 110];
const WHITE = [255, 255, 255];

/** Colour at (x, y) in the icon's 64-unit space; `full` paints the whole square (maskable). */
function shade(x, y, full) {
  const inside = full || roundedRect(x, y, 0, 0, 64, 64, 14);
  if (!inside) return null;
  let colour = mix(VIOLET, PINK, (x + y) / 128);
  // The maskable icon keeps its picture inside the 80 % safe zone: scale around the centre.
  const [u, v] = full ? [32 + (x - 32) / 0.72, 32 + (y - 32) / 0.72] : [x, y];
  if (Math.hypot(u - 42, v - 22) <= 6) colour = SUN;
  if (mountain(u, v)) colour = mix(colour, WHITE, 0.92);
  if (sparkle(u - 22, v - 19)) colour = WHITE;
  return colour;
}

function roundedRect(x, y, x0, y0, w, h, r) {
  const cx = Math.min(Math.max(x, x0 + r), x0 + w - r);
  const cy = Math.min(Math.max(y, y0 + r), y0 + h - r);
  return x >= x0 && x <= x0 + w && y >= y0 && y <= y0 + h && Math.hypot(x - cx, y - cy) <= r;
}

/** The path M14 46 l12-14 8 9 6-6 10 11 z as a polygon. */
const MOUNTAIN = [[14, 46], [26, 32], [34, 41], [40, 35], [50, 46]];
function mountain(x, y) {
  let inside = false;
  for (let i = 0, j = MOUNTAIN.length - 1; i < MOUNTAIN.length; j = i++) {
    const [xi, yi] = MOUNTAIN[i];
    const [xj, yj] = MOUNTAIN[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** A four-pointed star of radius 5 around the origin. */
function sparkle(x, y) {
  return Math.abs(x) + Math.abs(y) * 2.5 <= 5 || Math.abs(y) + Math.abs(x) * 2.5 <= 5;
}

function render(size, full) {
  const rows = [];
  const samples = 3;
  for (let py = 0; py < size; py++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const c = shade(((px + (sx + 0.5) / samples) * 64) / size, ((py + (sy + 0.5) / samples) * 64) / size, full);
          if (!c) continue;
          r += c[0]; g += c[1]; b += c[2]; a += 1;
        }
      }
      const n = samples * samples;
      row.set(a ? [r / a, g / a, b / a, (255 * a) / n].map(Math.round) : [0, 0, 0, 0], 1 + px * 4);
    }
    rows.push(row);
  }
  return png(size, Buffer.concat(rows));
}

function png(size, raw) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function crc32(bytes) {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

writeFileSync(new URL('icon-192.png', OUT), render(192, false));
writeFileSync(new URL('icon-512.png', OUT), render(512, false));
writeFileSync(new URL('maskable-512.png', OUT), render(512, true));
console.log('icons written to public/icons/');
