// @supabase/postgrest-js with default options against the PostgREST stand-in, on the scratch table
// `client_notes` (ids 1-5) and functions `client_add`, `client_top` that
// local/tests/local/clients/postgrest.rs creates. Expectations follow the client's README and
// dist/index.d.mts, and PostgREST's documented answers. Tests run in order; each names the rows it
// changes so later ones can count on the rest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PostgrestClient } from '@supabase/postgrest-js';

const key = process.env.SERVICE_KEY;
const db = new PostgrestClient(process.env.POSTGREST_URL, {
  headers: { apikey: key, Authorization: `Bearer ${key}` },
});
const notes = () => db.from('client_notes');
const ids = ({ data, error }) => {
  assert.equal(error, null);
  return data.map((row) => row.id);
};

test('select with columns, order, limit and range', async () => {
  const first = await notes().select('id, title').order('id').limit(2);
  assert.equal(first.status, 200);
  assert.deepEqual(first.data, [{ id: 1, title: 'alpha' }, { id: 2, title: 'beta' }]);
  const page = await notes().select('id').order('stars', { ascending: false }).range(1, 2);
  assert.deepEqual(ids(page), [4, 2]);
  const nulls = await notes().select('id').order('body', { nullsFirst: true }).order('id').limit(1);
  assert.deepEqual(ids(nulls), [3]);
});

test('every filter the client builds selects the rows PostgREST would', async () => {
  const q = () => notes().select('id').order('id');
  const cases = [
    ['eq', q().eq('title', 'beta'), [2]],
    ['neq', q().neq('stars', 0), [1, 2, 4, 5]],
    ['gt/lt', q().gt('stars', 1).lt('stars', 5), [2, 4]],
    ['gte/lte', q().gte('stars', 4).lte('stars', 5), [1, 4]],
    ['like', q().like('title', '%lt%'), [4]],
    ['ilike', q().ilike('body', '%QUICK%'), [1, 4]],
    ['is null', q().is('body', null), [3]],
    ['in with a comma value', q().in('title', ['delta, with comma', 'gamma']), [3, 4]],
    ['notIn', q().notIn('id', [1, 2, 3]), [4, 5]],
    ['contains array', q().contains('tags', ['red']), [1, 5]],
    ['contains jsonb', q().contains('meta', { kind: 'a' }), [1, 4]],
    ['containedBy', q().containedBy('tags', ['red', 'blue', 'green']), [1, 2, 3, 4, 5]],
    ['overlaps', q().overlaps('tags', ['green', 'blue']), [1, 2, 4]],
    ['rangeGt', q().rangeGt('span', '[1,9)'), [4, 5]],
    ['textSearch', q().textSearch('body', "'quick' & 'fox'"), [1]],
    ['textSearch plain', q().textSearch('body', 'brown bread', { type: 'plain', config: 'english' }), [5]],
    ['textSearch websearch', q().textSearch('body', 'quick -fox', { type: 'websearch' }), [4]],
    ['match', q().match({ stars: 3, title: 'beta' }), [2]],
    ['not', q().not('body', 'is', null).not('tags', 'cs', '{red}'), [2, 4]],
    ['or', q().or('stars.gte.5,title.eq.gamma'), [1, 3]],
    ['or with and', q().or('id.eq.1,and(stars.gt.0,stars.lt.4)'), [1, 2, 5]],
    ['filter', q().filter('title', 'in', '("beta","epsilon")'), [2, 5]],
    ['json path', q().eq('meta->>kind', 'b'), [2]],
  ];
  for (const [name, query, expected] of cases) {
    assert.deepEqual(ids(await query), expected, name);
  }
});

test('counts: exact, planned and estimated, with and without head', async () => {
  for (const count of ['exact', 'planned', 'estimated']) {
    const head = await notes().select('*', { count, head: true });
    assert.equal(head.status, 200, count);
    assert.equal(head.data, null, count);
    // The table is analysed, so even the planner's estimate is the row count.
    assert.equal(head.count, 5, count);
  }
  const partial = await notes().select('id', { count: 'exact' }).gt('id', 1).limit(2);
  assert.equal(partial.status, 206);
  assert.equal(partial.count, 4);
  assert.equal(partial.data.length, 2);
});

test('single, maybeSingle, csv and stripNulls', async () => {
  const one = await notes().select('id, title').eq('id', 1).single();
  assert.deepEqual(one.data, { id: 1, title: 'alpha' });
  const many = await notes().select('id').single();
  assert.equal(many.status, 406);
  assert.equal(many.error.code, 'PGRST116');
  const none = await notes().select('id').eq('id', 999).maybeSingle();
  assert.equal(none.error, null);
  assert.equal(none.data, null);
  const csv = await notes().select('id, title').lt('id', 5).gt('id', 2).order('id').csv();
  assert.equal(csv.data, 'id,title\n3,gamma\n4,"delta, with comma"');
  const stripped = await notes().select('id, body, meta').in('id', [3, 2]).order('id').stripNulls();
  assert.deepEqual(stripped.data, [{ id: 2, body: 'lazy dogs sleep', meta: { kind: 'b' } }, { id: 3 }]);
});

test('insert one row and several with different keys', async () => {
  const one = await notes().insert({ title: 'zeta', stars: 2 }).select('title, stars, tags');
  assert.equal(one.status, 201);
  assert.deepEqual(one.data, [{ title: 'zeta', stars: 2, tags: [] }]);
  // An array sends ?columns= with every key: a row lacking one gets NULL there.
  const rows = await notes().insert([{ title: 'eta' }, { title: 'theta', body: 'x' }]).select('title, body, stars');
  assert.equal(rows.status, 201);
  assert.deepEqual(rows.data, [{ title: 'eta', body: null, stars: 0 }, { title: 'theta', body: 'x', stars: 0 }]);
  const counted = await notes().insert([{ title: 'iota' }, { title: 'kappa' }], { count: 'exact' });
  assert.equal(counted.status, 201);
  assert.equal(counted.count, 2);
  assert.equal(counted.data, null);
});

test('defaultToNull: false inserts the column default for missing keys', async () => {
  const defaulted = await notes()
    .insert([{ title: 'lambda', stars: 7 }, { title: 'mu' }], { defaultToNull: false })
    .select('title, stars');
  assert.equal(defaulted.status, 201);
  assert.deepEqual(defaulted.data, [{ title: 'lambda', stars: 7 }, { title: 'mu', stars: 0 }]);
  const nulled = await notes().insert([{ title: 'nu', stars: 7 }, { title: 'xi' }]);
  assert.equal(nulled.status, 400);
  assert.equal(nulled.error.code, '23502');
});

test('upsert merges on the primary key or on onConflict, or ignores duplicates', async () => {
  const merged = await notes().upsert({ id: 2, title: 'beta', stars: 9 }).select('id, stars');
  assert.equal(merged.status, 200);
  assert.deepEqual(merged.data, [{ id: 2, stars: 9 }]);
  const ignored = await notes()
    .upsert([{ title: 'beta', stars: 1 }, { title: 'omicron', stars: 1 }], { onConflict: 'title', ignoreDuplicates: true })
    .select('title, stars');
  assert.equal(ignored.status, 201);
  assert.deepEqual(ignored.data, [{ title: 'omicron', stars: 1 }]);
  const defaults = await notes()
    .upsert([{ title: 'beta', body: 'new' }, { title: 'pi', stars: 2 }], { onConflict: 'title', defaultToNull: false })
    .select('title, body, stars');
  assert.equal(defaults.status, 201);
  assert.deepEqual(defaults.data, [{ title: 'beta', body: 'new', stars: 0 }, { title: 'pi', body: null, stars: 2 }]);
});

test('update and delete with filters, returning and count', async () => {
  const updated = await notes().update({ stars: 8 }).eq('id', 3).select('id, stars');
  assert.equal(updated.status, 200);
  assert.deepEqual(updated.data, [{ id: 3, stars: 8 }]);
  const counted = await notes().update({ body: 'b' }, { count: 'exact' }).in('title', ['eta', 'theta']);
  assert.equal(counted.status, 204);
  assert.equal(counted.count, 2);
  const deleted = await notes().delete().eq('title', 'zeta').select('title');
  assert.deepEqual(deleted.data, [{ title: 'zeta' }]);
  const gone = await notes().delete({ count: 'exact' }).in('title', ['iota', 'kappa']);
  assert.equal(gone.status, 204);
  assert.equal(gone.count, 2);
  const unfiltered = await notes().delete();
  assert.equal(unfiltered.status, 400);
  assert.equal(unfiltered.error.code, '21000');
});

test('rpc over POST, GET and HEAD, with filters and counts', async () => {
  const sum = await db.rpc('client_add', { a: 2, b: 3 });
  assert.deepEqual([sum.status, sum.data], [200, 5]);
  const get = await db.rpc('client_add', { a: 4, b: 1 }, { get: true });
  assert.deepEqual([get.status, get.data], [200, 5]);
  const rows = await db.rpc('client_top', { min_stars: 4 }).select('id').lt('id', 5);
  assert.deepEqual(ids(rows), [1, 3, 4]);
  const head = await db.rpc('client_top', { min_stars: 4 }, { head: true, count: 'exact' });
  assert.equal(head.status, 200);
  assert.equal(head.data, null);
  assert.equal(head.count, 4);
  const counted = await db.rpc('client_top', { min_stars: 8 }, { count: 'exact' }).select('title');
  assert.deepEqual([counted.count, counted.data], [1, [{ title: 'gamma' }]]);
});

test('errors carry PostgREST codes and hints', async () => {
  const fn = await db.rpc('client_ad', { a: 1, b: 2 });
  assert.equal(fn.status, 404);
  assert.equal(fn.error.code, 'PGRST202');
  assert.equal(fn.error.hint, 'Perhaps you meant to call the function public.client_add');
  const table = await db.from('client_note').select();
  assert.equal(table.status, 404);
  assert.equal(table.error.code, 'PGRST205');
  assert.equal(table.error.hint, "Perhaps you meant the table 'public.client_notes'");
  const column = await notes().select('titel');
  assert.equal(column.error.code, '42703');
  assert.equal(column.error.hint, 'Perhaps you meant to reference the column "client_notes.title".');
  const payload = await notes().insert({ title: 'rho', nope: 1 });
  assert.equal(payload.error.code, 'PGRST204');
  // Embedding is not served; with no foreign key PostgREST itself answers PGRST200.
  const embed = await notes().select('id, client_tags(name)');
  assert.equal(embed.status, 400);
  assert.equal(embed.error.code, 'PGRST200');
  assert.equal(embed.error.message, "Could not find a relationship between 'client_notes' and 'client_tags' in the schema cache");
  const duplicate = await notes().insert({ title: 'alpha' });
  assert.deepEqual([duplicate.status, duplicate.error.code], [409, '23505']);
});
