// Vercel's own routing code over vercel.json: the rewrites and headers converted as a Vercel build
// converts them (getTransformedRoutes of @vercel/routing-utils), without a warning, then every
// method and path of docs/openapi.yaml routed through the result the way Vercel's router applies
// it (the local router of the Vercel CLI, packages/cli/src/util/dev/router.ts, is the public
// reference): each reaches its function, with `_path` holding exactly the sub-path the library
// rebuilds the request path from (lib/src/http/request.rs), the request's own query kept and no
// parameter added.
//
// Env: REPO_ROOT (the checkout: vercel.json, api/, public/), OPENAPI_JSON (docs/openapi.yaml as
// JSON, converted by the Rust side).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { getTransformedRoutes } from '@vercel/routing-utils';

const root = process.env.REPO_ROOT;
const vercelConfig = JSON.parse(readFileSync(join(root, 'vercel.json'), 'utf8'));
const spec = JSON.parse(readFileSync(process.env.OPENAPI_JSON, 'utf8'));

// The parameter the library reads the rewritten sub-path from (REWRITE_PARAM).
const REWRITE_PARAM = '_path';
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
// A query the client sends along: kept by the rewrite, whatever the route does with it.
const CLIENT_QUERY = 'cursor=c1&limit=5&q=sun%20set%2Bx';

function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'));
}

// What the `filesystem` phase finds: each api/**/*.rs is a function at its path without `.rs`
// (@vercel/rust), and public/ is the static output.
const functions = new Set(filesUnder(join(root, 'api')).filter((f) => f.endsWith('.rs')).map((f) => `/api/${f.slice(0, -3)}`));
const statics = new Set(filesUnder(join(root, 'public')).map((f) => `/${f}`));

// getTransformedRoutes over vercel.json, with everything it prints to the console captured (the
// "PATH TO REGEXP" lines a Vercel build prints come from there).
function transform(config) {
  const printed = [];
  const saved = { error: console.error, warn: console.warn, log: console.log };
  for (const name of Object.keys(saved)) console[name] = (...args) => printed.push(args.join(' '));
  try {
    return { ...getTransformedRoutes(structuredClone(config)), printed };
  } finally {
    Object.assign(console, saved);
  }
}

const { routes, error, printed } = transform(vercelConfig);

// The CLI's parseQueryString / formatQueryString: values decoded once, re-encoded for the function.
function parseQuery(search) {
  const query = Object.create(null);
  if (!search || search === '?') return query;
  for (const param of search.slice(1).split('&')) {
    let [key, value] = param.split('=');
    key = decodeURIComponent(key);
    if (value !== undefined) value = decodeURIComponent(value);
    (query[key] ??= []).push(value);
  }
  return query;
}

function formatQuery(query) {
  const pairs = Object.entries(query).flatMap(([key, values]) =>
    values.map((v) => encodeURIComponent(key) + (v === undefined ? '' : `=${encodeURIComponent(v)}`)));
  return pairs.length ? `?${pairs.join('&')}` : '';
}

function splitUrl(url) {
  const at = url.indexOf('?');
  return at < 0 ? { pathname: url, search: '' } : { pathname: url.slice(0, at), search: url.slice(at) };
}

// `$1`… replaced by the regex's captures, an absent one by nothing (resolveRouteParameters).
const substitute = (text, match) => text.replace(/\$([1-9])/g, (_, n) => match[Number(n)] ?? '');

// Routes `method url` as Vercel does: the routes before `handle: filesystem` (here the headers,
// which continue), then the filesystem, then the routes after it (the rewrites), first match
// wins, a `check` route only landing on something the filesystem has. `src` matches the path
// case-insensitively; the destination's query is merged with the request's, the request's
// winning. Returns the function or file reached and the URL it is handed, and the headers set.
function route(method, url) {
  let { pathname, search } = splitUrl(url);
  const requestQuery = parseQuery(search);
  const headers = {};
  const exists = (path) => functions.has(path) || statics.has(path);
  let phase = null;
  for (const r of routes) {
    if (r.handle) {
      phase = r.handle;
      if (phase === 'filesystem' && exists(pathname)) break;
      continue;
    }
    if (Array.isArray(r.methods) && !r.methods.includes(method)) continue;
    const matcher = new RegExp(r.src, 'i');
    const match = matcher.exec(pathname) || matcher.exec(pathname.substring(1));
    if (!match) continue;
    for (const [key, value] of Object.entries(r.headers ?? {})) headers[key.toLowerCase()] = substitute(value, match);
    const dest = r.dest ? substitute(r.dest, match) : pathname;
    if (r.continue) {
      pathname = dest;
      continue;
    }
    const target = splitUrl(dest.startsWith('/') ? dest : `/${dest}`);
    if (r.check && !exists(target.pathname)) {
      pathname = dest;
      continue;
    }
    const query = Object.assign(parseQuery(target.search), requestQuery);
    return { reached: target.pathname, url: target.pathname + formatQuery(query), headers };
  }
  return exists(pathname) ? { reached: pathname, url: pathname + formatQuery(requestQuery), headers } : { reached: null, headers };
}

// A documented operation's path with each `{name}` replaced by its example, or a sample value.
function samplePath(template, parameters) {
  const resolve = (p) => (p.$ref ? p.$ref.slice(2).split('/').reduce((node, key) => node[key], spec) : p);
  const byName = Object.fromEntries(parameters.map(resolve).filter((p) => p.in === 'path').map((p) => [p.name, p]));
  return template.replace(/\{([^}]+)\}/g, (_, name) => {
    const param = byName[name];
    assert.ok(param, `${template}: path parameter {${name}} is not described`);
    return encodeURIComponent(param.example ?? (name === 'id' ? '3f2b8c1e-7d4a-4e6b-9c05-1a2b3c4d5e6f' : `sample-${name}`));
  });
}

const operations = Object.entries(spec.paths).flatMap(([template, item]) =>
  METHODS.filter((m) => item[m]).map((m) => ({
    method: m.toUpperCase(),
    template,
    path: samplePath(template, [...(item.parameters ?? []), ...(item[m].parameters ?? [])]),
  })));

// Where the library would take a documented path: its function and the path it rebuilds.
function expected(path) {
  if (path.startsWith('/s/')) return { fn: '/api/gallery', rebuilt: `/api/gallery${path}` };
  const fn = [...functions].find((f) => path === f || path.startsWith(`${f}/`));
  return { fn, rebuilt: path };
}

test('vercel.json converts without an error or a printed warning', () => {
  assert.equal(error, null, JSON.stringify(error));
  assert.deepEqual(printed, []);
  assert.ok(routes.some((r) => r.handle === 'filesystem'), 'the rewrites follow the filesystem');
});

test('the description lists operations on every function and on the share page', () => {
  assert.ok(operations.length > 50, `${operations.length} operations`);
  for (const fn of functions) assert.ok(operations.some((o) => expected(o.path).fn === fn), `no operation on ${fn}`);
  assert.ok(operations.some((o) => o.template === '/s/{token}'));
});

test('every documented method and path reaches its function with the sub-path and the query kept', () => {
  for (const { method, path } of operations) {
    const want = expected(path);
    assert.ok(want.fn, `${path}: no function serves it`);
    for (const clientQuery of ['', CLIENT_QUERY]) {
      const url = clientQuery ? `${path}?${clientQuery}` : path;
      const got = route(method, url);
      assert.equal(got.reached, want.fn, `${method} ${url}`);
      const handed = new URL(got.url, 'https://deployment.invalid');
      // What lib/src/http/request.rs reads: the form-decoded query, `_path` taken out of it.
      const params = [...handed.searchParams];
      const sub = params.filter(([k]) => k === REWRITE_PARAM).map(([, v]) => v);
      const rest = params.filter(([k]) => k !== REWRITE_PARAM);
      const rebuilt = sub.length ? `${want.fn}/${sub[0]}` : decodeURIComponent(handed.pathname);
      assert.ok(sub.length <= 1, `${method} ${url}: ${got.url}`);
      assert.equal(rebuilt, decodeURIComponent(want.rebuilt), `${method} ${url} handed ${got.url}`);
      assert.deepEqual(rest, [...new URLSearchParams(clientQuery)], `${method} ${url} handed ${got.url}`);
    }
  }
});

test('a share link reaches the share page of the gallery function', () => {
  const token = 'q3Zr8wJ0b1XyV7mKc2Tn5A';
  const got = route('GET', `/s/${token}?lang=en`);
  assert.equal(got.reached, '/api/gallery');
  assert.deepEqual([...new URL(got.url, 'https://deployment.invalid').searchParams], [[REWRITE_PARAM, `s/${token}`], ['lang', 'en']]);
  assert.equal(route('GET', `/s/${token}/more`).reached, null, 'a token is one segment');
  assert.ok(operations.some((o) => o.template === '/api/gallery/s/{token}'), 'the rebuilt path is documented');
});

test('every documented path gets the security headers, and assets the long cache', () => {
  for (const { method, path } of operations) {
    const { headers } = route(method, path);
    assert.equal(headers['x-content-type-options'], 'nosniff', path);
    assert.match(headers['content-security-policy'] ?? '', /frame-ancestors 'none'/, path);
  }
  assert.match(route('GET', '/assets/app.1234.js').headers['cache-control'] ?? '', /immutable/);
  assert.equal(route('GET', '/sw.js').headers['cache-control'], 'no-cache');
});
