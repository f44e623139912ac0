// The official `@upstash/redis` client (pinned in package-lock.json) with default options — base64
// response encoding and automatic pipelining on — against the Upstash stand-in. UPSTASH_URL and
// UPSTASH_TOKEN point it there; BACKEND says what answers behind it ("in-process" or
// "redis-server"), since only the in-process engine refuses commands it leaves to redis-server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from '@upstash/redis';

const redis = new Redis({ url: process.env.UPSTASH_URL, token: process.env.UPSTASH_TOKEN });
const sorted = (items) => [...items].sort();

test('strings: values round-trip as written, JSON included, with SET options and counters', async () => {
  assert.equal(await redis.set('greeting', 'héllo wörld ✓'), 'OK');
  assert.equal(await redis.get('greeting'), 'héllo wörld ✓');
  await redis.set('profile', { name: 'Ada', tags: ['x'] });
  assert.deepEqual(await redis.get('profile'), { name: 'Ada', tags: ['x'] });
  assert.equal(await redis.get('missing'), null);

  assert.equal(await redis.set('greeting', 'again', { nx: true }), null);
  assert.equal(await redis.set('greeting', 'new', { xx: true, get: true }), 'héllo wörld ✓');
  assert.equal(await redis.set('absent', 'v', { xx: true }), null);
  await redis.set('session', 'v', { ex: 100 });
  assert.equal(await redis.ttl('session'), 100);
  await redis.set('session', 'w', { keepTtl: true });
  assert.equal(await redis.ttl('session'), 100);
  await redis.set('session', 'w', { px: 1500 });
  assert.ok((await redis.pttl('session')) > 1000);

  assert.equal(await redis.incr('visits'), 1);
  assert.equal(await redis.incrby('visits', 41), 42);
  assert.equal(await redis.decrby('visits', 2), 40);
  assert.equal(await redis.incrbyfloat('price', 10.5), 10.5);
  assert.equal(await redis.incrbyfloat('price', 0.1), 10.6);
  await assert.rejects(redis.incr('greeting'), /ERR value is not an integer or out of range/);

  assert.equal(await redis.append('log', 'ab'), 2);
  assert.equal(await redis.append('log', 'cd'), 4);
  assert.equal(await redis.strlen('log'), 4);
  assert.equal(await redis.getrange('log', 1, 2), 'bc');
  assert.equal(await redis.setrange('log', 1, 'XY'), 4);
  assert.equal(await redis.get('log'), 'aXYd');
  assert.equal(await redis.mset({ m1: 'one', m2: 2 }), 'OK');
  assert.deepEqual(await redis.mget('m1', 'm2', 'missing'), ['one', 2, null]);
  assert.equal(await redis.msetnx({ m1: 'x', m3: 'y' }), 0);
  assert.equal(await redis.getdel('m1'), 'one');
  assert.equal(await redis.exists('m1'), 0);
  assert.equal(await redis.getset('m2', 'two'), 2);
  assert.equal(await redis.getex('m2', { ex: 50 }), 'two');
  assert.equal(await redis.ttl('m2'), 50);
  assert.equal(await redis.setex('short', 30, 'v'), 'OK');
  assert.equal(await redis.ttl('short'), 30);
});

test('keys: existence, expiry, type, rename, copy, KEYS and SCAN', async () => {
  assert.equal(await redis.flushdb(), 'OK');
  await redis.set('k:1', 'a');
  await redis.set('k:2', 'b');
  await redis.sadd('k:set', 'm');
  assert.equal(await redis.dbsize(), 3);
  assert.equal(await redis.exists('k:1', 'k:2', 'nope'), 2);
  assert.equal(await redis.type('k:set'), 'set');
  assert.equal(await redis.type('nope'), 'none');
  assert.equal(await redis.expire('k:1', 60), 1);
  assert.equal(await redis.ttl('k:1'), 60);
  assert.equal(await redis.persist('k:1'), 1);
  assert.equal(await redis.ttl('k:1'), -1);
  assert.equal(await redis.ttl('nope'), -2);
  assert.equal(await redis.rename('k:2', 'k:3'), 'OK');
  assert.equal(await redis.copy('k:3', 'k:4'), 'COPIED');
  assert.equal(await redis.copy('k:3', 'k:4'), 'NOT_COPIED');
  assert.deepEqual(sorted(await redis.keys('k:[0-9]')), ['k:1', 'k:3', 'k:4']);

  const found = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, { match: 'k:*', count: 100 });
    found.push(...keys);
    cursor = String(next);
  } while (cursor !== '0');
  assert.deepEqual(sorted(found), ['k:1', 'k:3', 'k:4', 'k:set']);
  assert.equal(await redis.del('k:1', 'k:3', 'nope'), 2);
  assert.equal(await redis.echo('hi'), 'hi');
  assert.equal(await redis.ping(), 'PONG');
});

test('hashes: fields as objects, counters and scans', async () => {
  assert.equal(await redis.hset('user', { name: 'Ada', visits: 1, meta: { admin: true } }), 3);
  assert.deepEqual(await redis.hgetall('user'), { name: 'Ada', visits: 1, meta: { admin: true } });
  assert.equal(await redis.hget('user', 'name'), 'Ada');
  assert.deepEqual(await redis.hmget('user', 'name', 'nope'), { name: 'Ada', nope: null });
  assert.equal(await redis.hincrby('user', 'visits', 4), 5);
  assert.equal(await redis.hincrbyfloat('user', 'score', 1.25), 1.25);
  assert.equal(await redis.hexists('user', 'name'), 1);
  assert.equal(await redis.hsetnx('user', 'name', 'Grace'), 0);
  assert.equal(await redis.hstrlen('user', 'name'), 3);
  assert.equal(await redis.hlen('user'), 4);
  assert.deepEqual(await redis.hkeys('user'), ['name', 'visits', 'meta', 'score']);
  assert.equal(await redis.hdel('user', 'meta', 'nope'), 1);
  assert.deepEqual(await redis.hvals('user'), ['Ada', 5, 1.25]);
  const [cursor, pairs] = await redis.hscan('user', 0, { match: 'n*' });
  assert.equal(String(cursor), '0');
  assert.deepEqual(pairs, ['name', 'Ada']);
  assert.equal(await redis.hgetall('nope'), null);
  await redis.hset('single', { only: 'v' });
  assert.equal(await redis.hrandfield('single'), 'only');
  await redis.set('plain', 'v');
  await assert.rejects(redis.hget('plain', 'f'), /WRONGTYPE Operation against a key holding the wrong kind of value/);
});

test('lists: pushes, ranges, positions, moves and pops', async () => {
  assert.equal(await redis.rpush('queue', 'a', 'b', 'c'), 3);
  assert.equal(await redis.lpush('queue', 'z'), 4);
  assert.deepEqual(await redis.lrange('queue', 0, -1), ['z', 'a', 'b', 'c']);
  assert.equal(await redis.lindex('queue', -1), 'c');
  assert.equal(await redis.lset('queue', 0, 'Z'), 'OK');
  assert.equal(await redis.linsert('queue', 'before', 'b', 'ab'), 5);
  assert.equal(await redis.lpos('queue', 'b'), 3);
  assert.deepEqual(await redis.lpos('queue', 'a', { count: 0 }), [1]);
  assert.equal(await redis.lrem('queue', 0, 'ab'), 1);
  assert.equal(await redis.llen('queue'), 4);
  assert.equal(await redis.lmove('queue', 'done', 'left', 'right'), 'Z');
  assert.deepEqual(await redis.lpop('queue', 2), ['a', 'b']);
  assert.equal(await redis.rpop('queue'), 'c');
  assert.equal(await redis.exists('queue'), 0);
  assert.equal(await redis.lpushx('queue', 'x'), 0);
  await redis.rpush('jobs', 1, 2, 3, 4);
  assert.equal(await redis.ltrim('jobs', 1, -1), 'OK');
  assert.deepEqual(await redis.lmpop(2, ['nope', 'jobs'], 'LEFT', 2), ['jobs', [2, 3]]);
  assert.equal(await redis.lmpop(1, ['nope'], 'RIGHT'), null);
});

test('sets: membership, algebra and moves', async () => {
  assert.equal(await redis.sadd('red', 'apple', 'cherry', 'rose'), 3);
  assert.equal(await redis.sadd('fruit', 'apple', 'cherry', 'pear'), 3);
  assert.equal(await redis.scard('red'), 3);
  assert.equal(await redis.sismember('red', 'rose'), 1);
  assert.deepEqual(await redis.smismember('red', ['rose', 'pear']), [1, 0]);
  assert.deepEqual(sorted(await redis.sinter('red', 'fruit')), ['apple', 'cherry']);
  assert.deepEqual(sorted(await redis.sunion('red', 'fruit')), ['apple', 'cherry', 'pear', 'rose']);
  assert.deepEqual(await redis.sdiff('red', 'fruit'), ['rose']);
  assert.equal(await redis.sinterstore('both', 'red', 'fruit'), 2);
  assert.equal(await redis.sintercard(['red', 'fruit']), 2);
  assert.equal(await redis.smove('red', 'flowers', 'rose'), 1);
  assert.deepEqual(await redis.smembers('flowers'), ['rose']);
  assert.equal(await redis.srem('red', 'apple', 'nope'), 1);
  assert.equal(await redis.srandmember('flowers'), 'rose');
  assert.equal(await redis.spop('flowers'), 'rose');
  assert.equal(await redis.exists('flowers'), 0);
});

test('sorted sets: ZADD options, ranges by rank, score and lex, and stores', async () => {
  const board = 'board';
  assert.equal(await redis.zadd(board, { score: 1, member: 'a' }, { score: 2, member: 'b' }, { score: 3, member: 'c' }), 3);
  assert.equal(await redis.zadd(board, { nx: true }, { score: 9, member: 'a' }, { score: 4, member: 'd' }), 1);
  assert.equal(await redis.zadd(board, { xx: true, ch: true }, { score: 5, member: 'a' }, { score: 9, member: 'e' }), 1);
  assert.equal(await redis.zadd(board, { gt: true, ch: true }, { score: 2, member: 'a' }), 0);
  assert.equal(await redis.zadd(board, { incr: true }, { score: 0.5, member: 'b' }), 2.5);
  assert.equal(await redis.zscore(board, 'a'), 5);
  assert.deepEqual(await redis.zmscore(board, ['a', 'nope']), [5, null]);
  assert.equal(await redis.zcard(board), 4);
  assert.equal(await redis.zrank(board, 'c'), 1);
  assert.equal(await redis.zrevrank(board, 'c'), 2);
  assert.deepEqual(await redis.zrange(board, 0, -1), ['b', 'c', 'd', 'a']);
  assert.deepEqual(await redis.zrange(board, 0, 1, { withScores: true }), ['b', 2.5, 'c', 3]);
  assert.deepEqual(await redis.zrange(board, 3, '(5', { byScore: true }), ['c', 'd']);
  assert.deepEqual(await redis.zrange(board, '+inf', '-inf', { byScore: true, rev: true, offset: 1, count: 2 }), ['d', 'c']);
  assert.equal(await redis.zcount(board, '(2.5', '+inf'), 3);
  assert.equal(await redis.zincrby(board, 10, 'c'), 13);
  assert.deepEqual(await redis.zpopmin(board), ['b', 2.5]);
  assert.deepEqual(await redis.zpopmax(board), ['c', 13]);
  assert.equal(await redis.zremrangebyscore(board, 4, 4), 1);
  assert.equal(await redis.zrem(board, 'a', 'nope'), 1);
  assert.equal(await redis.exists(board), 0);

  await redis.zadd('words', { score: 0, member: 'apple' }, { score: 0, member: 'banana' }, { score: 0, member: 'cherry' });
  assert.deepEqual(await redis.zrange('words', '[b', '+', { byLex: true }), ['banana', 'cherry']);
  await redis.zadd('s1', { score: 1, member: 'x' }, { score: 2, member: 'y' });
  await redis.zadd('s2', { score: 10, member: 'y' });
  assert.equal(await redis.zunionstore('u', 2, ['s1', 's2'], { weights: [2, 1], aggregate: 'max' }), 2);
  assert.deepEqual(await redis.zrange('u', 0, -1, { withScores: true }), ['x', 2, 'y', 10]);
  assert.equal(await redis.zinterstore('i', 2, ['s1', 's2']), 1);
  assert.deepEqual(await redis.zrange('i', 0, -1, { withScores: true }), ['y', 12]);
});

test('pipeline(): one request, results in order, a failing command reported by position', async () => {
  const pipeline = redis.pipeline();
  pipeline.set('p:n', 1).incr('p:n').get('p:n').hset('p:h', { f: 'v' }).zadd('p:z', { score: 1, member: 'm' });
  assert.deepEqual(await pipeline.exec(), ['OK', 2, 2, 1, 1]);

  const failing = redis.pipeline().set('p:s', 'text').incr('p:s').get('p:s');
  await assert.rejects(failing.exec(), /Command 2 \[ incr \] failed: ERR value is not an integer or out of range/);
  const kept = await redis.pipeline().incr('p:s').get('p:s').exec({ keepErrors: true });
  assert.equal(kept[0].error, 'ERR value is not an integer or out of range');
  assert.deepEqual(kept[1], { error: undefined, result: 'text' });
});

test('multi(): a transaction runs every command and answers each', async () => {
  const results = await redis.multi().set('t:n', 10).incrby('t:n', 5).get('t:n').lpush('t:l', 'a').exec();
  assert.deepEqual(results, ['OK', 15, 15, 1]);
  await assert.rejects(redis.multi().set('t:s', 'x').incr('t:s').exec(), /ERR value is not an integer/);
  assert.equal(await redis.get('t:s'), 'x', 'the other commands of the transaction ran');
});

test('automatic pipelining sends concurrent commands in one request', async () => {
  const before = redis.pipelineCounter;
  const answers = await Promise.all([redis.set('a:1', 'x'), redis.set('a:2', 'y'), redis.incr('a:3')]);
  assert.deepEqual(answers, ['OK', 'OK', 1]);
  assert.equal(redis.pipelineCounter - before, 1);
});

test('a wrong token is refused with WRONGPASS', async () => {
  const stranger = new Redis({ url: process.env.UPSTASH_URL, token: 'rotated' });
  await assert.rejects(stranger.get('greeting'), /WRONGPASS invalid or missing auth token/);
});

test('a command outside the in-process engine names redis-server; redis-server runs it', async () => {
  const adding = redis.xadd('events', '*', { kind: 'check' });
  if (process.env.BACKEND === 'in-process') {
    await assert.rejects(adding, /needs the stand-in to run over redis-server/);
  } else {
    assert.match(await adding, /^\d+-\d+$/);
  }
});
