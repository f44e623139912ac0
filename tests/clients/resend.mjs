// The official `resend` client (pinned in package-lock.json) with default options against the
// Resend stand-in: RESEND_BASE_URL points it there (the client reads that variable itself),
// RESEND_API_KEY is the stand-in's key, OUTBOX_URL is the stack's outbox as JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Resend } from 'resend';

const resend = new Resend(process.env.RESEND_API_KEY);
const FROM = 'AI Image Studio <studio@localhost.test>';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What the stand-in accepted, newest first, as its outbox route lists it. */
async function outbox() {
  const response = await fetch(process.env.OUTBOX_URL);
  assert.equal(response.status, 200);
  return response.json();
}

function email(overrides = {}) {
  return { from: FROM, to: 'ada@example.com', subject: 'Hello', text: 'Hello Ada', ...overrides };
}

test('sends an e-mail that lands in the outbox with everything it carried', async () => {
  const { data, error } = await resend.emails.send(
    {
      from: FROM,
      to: ['Ada Lovelace <ada@example.com>', 'grace@example.com'],
      cc: 'charles@example.com',
      bcc: ['audit@example.com'],
      replyTo: 'Support <support@studio.example>',
      subject: 'Welcome to AI Image Studio',
      html: '<p>Hello <b>Ada</b></p>',
      text: 'Hello Ada',
      tags: [{ name: 'category', value: 'welcome' }],
    },
    { idempotencyKey: 'client-check/welcome' },
  );

  assert.equal(error, null);
  assert.match(data.id, UUID);
  const sent = (await outbox()).find((message) => message.id === data.id);
  assert.ok(sent, `message ${data.id} is in the outbox`);
  assert.deepEqual(sent.to, ['Ada Lovelace <ada@example.com>', 'grace@example.com']);
  assert.deepEqual([sent.cc, sent.bcc, sent.reply_to], [['charles@example.com'], ['audit@example.com'], ['Support <support@studio.example>']]);
  assert.deepEqual([sent.from, sent.subject, sent.html, sent.text], [FROM, 'Welcome to AI Image Studio', '<p>Hello <b>Ada</b></p>', 'Hello Ada']);
  assert.deepEqual(sent.tags, [{ name: 'category', value: 'welcome' }]);
  assert.equal(sent.idempotency_key, 'client-check/welcome');

  const fetched = await resend.emails.get(data.id);
  assert.equal(fetched.error, null);
  assert.deepEqual([fetched.data.object, fetched.data.id, fetched.data.subject], ['email', data.id, 'Welcome to AI Image Studio']);
});

test('a replayed idempotency key gives the first id and sends nothing more', async () => {
  const options = { idempotencyKey: 'client-check/replay' };
  const first = await resend.emails.send(email({ subject: 'Once' }), options);
  const again = await resend.emails.send(email({ subject: 'Once' }), options);
  const changed = await resend.emails.send(email({ subject: 'Twice' }), options);

  assert.equal(first.error, null);
  assert.deepEqual(again, { data: { id: first.data.id }, error: null, headers: again.headers });
  assert.deepEqual([changed.data, changed.error.name, changed.error.statusCode], [null, 'invalid_idempotent_request', 409]);
  const keyed = (await outbox()).filter((message) => message.idempotency_key === 'client-check/replay');
  assert.equal(keyed.length, 1);
});

test('refusals come back as the client reports them: data null, error with name, status and message', async () => {
  const fiftyOne = Array.from({ length: 51 }, (_, i) => `user${i}@example.com`);
  const cases = [
    ['no subject', email({ subject: undefined }), {}, 422, 'missing_required_field', 'Missing `subject` field.'],
    ['no body', email({ text: undefined }), {}, 422, 'missing_required_field', 'Missing `html` or `text` field.'],
    ['bad recipient', email({ to: 'ada' }), {}, 422, 'validation_error', 'Invalid `to` field.'],
    ['bad sender', email({ from: 'Studio' }), {}, 422, 'validation_error', 'Invalid `from` field.'],
    ['bad reply-to', email({ replyTo: 'support' }), {}, 422, 'validation_error', 'Invalid `reply_to` field.'],
    ['51 recipients', email({ to: fiftyOne }), {}, 400, 'validation_error', 'Invalid `to` field.'],
    ['tag with a space', email({ tags: [{ name: 'a b', value: 'c' }] }), {}, 422, 'validation_error', 'Invalid `tags` field.'],
    ['257-character key', email(), { idempotencyKey: 'k'.repeat(257) }, 400, 'invalid_idempotency_key', 'The key must be between 1-256 chars.'],
  ];
  const before = (await outbox()).length;
  for (const [name, payload, options, statusCode, errorName, message] of cases) {
    const { data, error } = await resend.emails.send(payload, options);

    assert.equal(data, null, name);
    assert.deepEqual([error.statusCode, error.name], [statusCode, errorName], `${name}: ${error.message}`);
    assert.ok(error.message.startsWith(message), `${name}: ${error.message}`);
  }
  const wrongKey = await new Resend('re_not_the_key').emails.send(email());
  assert.deepEqual([wrongKey.data, wrongKey.error.statusCode, wrongKey.error.name], [null, 403, 'invalid_api_key']);
  assert.equal((await outbox()).length, before, 'nothing refused was sent');
});

test('batch sending, which the stand-in does not implement, is refused by name', async () => {
  const { data, error } = await resend.batch.send([email(), email({ to: 'grace@example.com' })]);

  assert.equal(data, null);
  assert.deepEqual([error.statusCode, error.name], [404, 'not_found']);
  assert.match(error.message, /\/emails\/batch/);
});
