// The official @supabase/storage-js client, default options, against the Storage stand-in:
// every bucket and file method, with the results and errors as the client reports them.
// Env: STORAGE_URL (the stack's base URL), SERVICE_KEY.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { StorageClient, StorageApiError } from '@supabase/storage-js'

const url = `${process.env.STORAGE_URL}/storage/v1`
const serviceKey = process.env.SERVICE_KEY
const storage = new StorageClient(url, { apikey: serviceKey, Authorization: `Bearer ${serviceKey}` })
const run = Date.now().toString(36)
const PNG = Buffer.from('\x89PNG\r\n\x1a\nnot really a picture', 'latin1')

/** A bucket of its own for one test. */
async function bucket(name, options = { public: false }) {
  const id = `${name}-${run}`
  const { data, error } = await storage.createBucket(id, options)
  assert.equal(error, null)
  assert.deepEqual(data, { name: id })
  return id
}

/** The client's error for a Storage error body: HTTP 400, the meaning in statusCode and code. */
function assertApiError(error, statusCode, code) {
  assert.ok(error instanceof StorageApiError, `not a StorageApiError: ${error}`)
  assert.equal(error.name, 'StorageApiError')
  assert.equal(error.status, 400)
  assert.equal(error.statusCode, statusCode)
  assert.equal(error.code, code)
}

async function bytesOf(blob) {
  return Buffer.from(await blob.arrayBuffer())
}

test('buckets: create, get, list with options, update, empty and delete', async () => {
  const id = await bucket('life', { public: false, fileSizeLimit: '1KB', allowedMimeTypes: ['image/*'] })

  const got = await storage.getBucket(id)
  assert.equal(got.error, null)
  assert.equal(got.data.id, id)
  assert.equal(got.data.name, id)
  assert.equal(got.data.public, false)
  assert.equal(got.data.file_size_limit, 1000)
  assert.deepEqual(got.data.allowed_mime_types, ['image/*'])
  assert.match(got.data.created_at, /^\d{4}-\d\d-\d\dT/)

  const all = await storage.listBuckets()
  assert.ok(all.data.some((b) => b.id === id && b.type === 'STANDARD'))
  assert.ok(all.data.some((b) => b.id === 'images'))
  const searched = await storage.listBuckets({ search: `life-${run}`, limit: 1, offset: 0, sortColumn: 'name', sortOrder: 'desc' })
  assert.deepEqual(searched.data.map((b) => b.id), [id])

  const updated = await storage.updateBucket(id, { public: true, fileSizeLimit: 2048, allowedMimeTypes: null })
  assert.deepEqual(updated, { data: { message: 'Successfully updated' }, error: null })
  const after = (await storage.getBucket(id)).data
  assert.deepEqual([after.public, after.file_size_limit, after.allowed_mime_types], [true, 2048, null])

  const again = await storage.createBucket(id)
  assertApiError(again.error, '409', 'BucketAlreadyExists')
  assert.equal(again.error.message, 'The resource already exists')

  assert.equal((await storage.from(id).upload('a.txt', Buffer.from('a'), { contentType: 'text/plain' })).error, null)
  const notEmpty = await storage.deleteBucket(id)
  assertApiError(notEmpty.error, '409', 'ResourceNotEmpty')
  const emptied = await storage.emptyBucket(id)
  assert.deepEqual(emptied.data, { message: 'Empty bucket has been queued. Completion may take up to an hour.' })
  assert.deepEqual((await storage.from(id).list()).data, [])
  const deleted = await storage.deleteBucket(id)
  assert.deepEqual(deleted, { data: { message: 'Successfully deleted' }, error: null })

  const gone = await storage.getBucket(id)
  assertApiError(gone.error, '404', 'NoSuchBucket')
  assert.equal(gone.error.message, 'Bucket not found')
  assertApiError((await storage.deleteBucket(id)).error, '404', 'NoSuchBucket')
  assertApiError((await storage.updateBucket(id, { public: false })).error, '404', 'NoSuchBucket')
})

test('upload, duplicate, upsert, update and download of buffers and blobs', async () => {
  const files = storage.from(await bucket('files'))

  const first = await files.upload('/dir//a.png', PNG, { contentType: 'image/png' })
  assert.equal(first.error, null)
  assert.equal(first.data.path, 'dir/a.png')
  assert.equal(first.data.fullPath, `files-${run}/dir/a.png`)
  assert.match(first.data.id, /^[0-9a-f-]{36}$/)

  const duplicate = await files.upload('dir/a.png', PNG, { contentType: 'image/png' })
  assertApiError(duplicate.error, '409', 'KeyAlreadyExists')
  assert.equal(duplicate.error.message, 'The resource already exists')

  const upserted = await files.upload('dir/a.png', Buffer.from('second'), { contentType: 'image/webp', upsert: true })
  assert.equal(upserted.data.id, first.data.id)
  const updated = await files.update('dir/a.png', Buffer.from('third'), { contentType: 'image/jpeg', cacheControl: '60' })
  assert.equal(updated.error, null)
  const downloaded = await files.download('dir/a.png')
  assert.equal(downloaded.error, null)
  assert.equal((await bytesOf(downloaded.data)).toString(), 'third')
  assert.equal(downloaded.data.type, 'image/jpeg')

  // A Blob goes as multipart/form-data: the part's type, cacheControl and metadata fields.
  const blob = new Blob([PNG], { type: 'image/png' })
  const form = await files.upload('blob.png', blob, { metadata: { owner: 'gallery' } })
  assert.equal(form.error, null)
  const fromForm = await files.download('blob.png')
  assert.deepEqual(await bytesOf(fromForm.data), PNG)
  assert.equal(fromForm.data.type, 'image/png')
  const info = await files.info('blob.png')
  assert.equal(info.data.cacheControl, 'max-age=3600')
  assert.deepEqual(info.data.metadata, { owner: 'gallery' })

  const missing = await files.download('nope.png')
  assertApiError(missing.error, '404', 'NoSuchKey')
  assert.equal(missing.error.message, 'Object not found')
  const noBucket = await storage.from(`nope-${run}`).upload('a.png', PNG, { contentType: 'image/png' })
  assertApiError(noBucket.error, '404', 'NoSuchBucket')
})

test('bucket limits: size, MIME wildcards, and the exact type storage-js sends by default', async () => {
  const images = storage.from(await bucket('limits', { public: false, fileSizeLimit: 1000, allowedMimeTypes: ['image/*'] }))
  assertApiError((await images.upload('big.png', Buffer.alloc(1001), { contentType: 'image/png' })).error, '413', 'EntityTooLarge')
  assertApiError((await images.upload('big.png', new Blob([Buffer.alloc(1001)], { type: 'image/png' }))).error, '413', 'EntityTooLarge')
  const text = await images.upload('a.txt', Buffer.from('a'), { contentType: 'text/plain' })
  assertApiError(text.error, '415', 'InvalidMimeType')
  assert.equal(text.error.message, 'mime type text/plain is not supported')
  assert.equal((await images.upload('ok.gif', Buffer.alloc(1000), { contentType: 'image/gif' })).error, null)

  const plain = storage.from(await bucket('plain', { public: false, allowedMimeTypes: ['text/plain'] }))
  const byDefault = await plain.upload('a.txt', Buffer.from('a'))
  assertApiError(byDefault.error, '415', 'InvalidMimeType')
  assert.equal((await plain.upload('a.txt', Buffer.from('a'), { contentType: 'text/plain' })).error, null)
})

test('list: prefix, folders, limit, offset, sortBy and search', async () => {
  const files = storage.from(await bucket('list'))
  for (const path of ['u/a/1.png', 'u/a/2.png', 'u/b.png', 'u/c.png', 'v.png']) {
    assert.equal((await files.upload(path, PNG, { contentType: 'image/png' })).error, null)
  }
  const names = (result) => result.data.map((entry) => entry.name)
  const top = await files.list('u')
  assert.deepEqual(names(top), ['a', 'b.png', 'c.png'])
  assert.equal(top.data[0].id, null)
  assert.equal(top.data[1].metadata.mimetype, 'image/png')
  assert.equal(top.data[1].metadata.size, PNG.length)
  assert.deepEqual(names(await files.list()), ['u', 'v.png'])
  assert.deepEqual(names(await files.list('u', { limit: 1, offset: 1 })), ['b.png'])
  assert.deepEqual(names(await files.list('u', { sortBy: { column: 'name', order: 'desc' } })), ['c.png', 'b.png', 'a'])
  assert.deepEqual(names(await files.list('u', { search: 'C' })), ['c.png'])
})

test('move, copy and remove', async () => {
  const id = await bucket('moves')
  const files = storage.from(id)
  const { data: original } = await files.upload('a.png', PNG, { contentType: 'image/png' })
  await files.upload('taken.png', PNG, { contentType: 'image/png' })

  const moved = await files.move('a.png', 'b/a.png')
  assert.deepEqual(moved.data, { message: 'Successfully moved', Id: original.id, Key: 'b/a.png' })
  assertApiError((await files.download('a.png')).error, '404', 'NoSuchKey')
  assert.deepEqual(await bytesOf((await files.download('b/a.png')).data), PNG)
  assertApiError((await files.move('b/a.png', 'taken.png')).error, '409', 'ResourceAlreadyExists')
  assertApiError((await files.move('nope.png', 'x.png')).error, '404', 'NoSuchKey')

  const copied = await files.copy('b/a.png', 'c.png')
  assert.deepEqual(copied, { data: { path: `${id}/c.png` }, error: null })
  assertApiError((await files.copy('b/a.png', 'taken.png')).error, '409', 'KeyAlreadyExists')
  const across = await files.copy('c.png', 'from-moves.png', { destinationBucket: 'public-images' })
  assert.equal(across.data.path, 'public-images/from-moves.png')
  // Uploads carry storage-js's default cache-control (max-age=3600); a copy without the source's
  // metadata takes the overrides it is given and keeps the source's content type.
  const overridden = await files.copy('c.png', 'short.png', {
    destinationBucket: 'public-images', copyMetadata: false, metadata: { cacheControl: 'public, max-age=300' },
  })
  assert.equal(overridden.data.path, 'public-images/short.png')
  const served = await fetch(storage.from('public-images').getPublicUrl('short.png').data.publicUrl)
  assert.equal(served.status, 200)
  assert.equal(served.headers.get('cache-control'), 'public, max-age=300')
  assert.equal(served.headers.get('content-type'), 'image/png')
  const kept = await fetch(storage.from('public-images').getPublicUrl('from-moves.png').data.publicUrl)
  assert.equal(kept.headers.get('cache-control'), 'max-age=3600')
  await kept.arrayBuffer()
  await served.arrayBuffer()
  assert.equal((await storage.from('public-images').remove(['from-moves.png', 'short.png'])).data.length, 2)

  const removed = await files.remove(['c.png', 'never.png'])
  assert.equal(removed.error, null)
  assert.deepEqual(removed.data.map((row) => [row.name, row.bucket_id]), [['c.png', id]])
  assert.equal(removed.data[0].metadata.size, PNG.length)
  assert.deepEqual((await files.remove(['c.png'])).data, [])
})

test('info and exists', async () => {
  const id = await bucket('info')
  const files = storage.from(id)
  const { data: stored } = await files.upload('a.png', PNG, { contentType: 'image/png', metadata: { n: 1 } })

  const info = await files.info('a.png')
  assert.equal(info.error, null)
  assert.equal(info.data.id, stored.id)
  assert.equal(info.data.name, 'a.png')
  assert.equal(info.data.bucketId, id)
  assert.equal(info.data.size, PNG.length)
  assert.equal(info.data.contentType, 'image/png')
  assert.equal(info.data.cacheControl, 'max-age=3600')
  assert.match(info.data.etag, /^"[0-9a-f]{32}"$/)
  assert.deepEqual(info.data.metadata, { n: 1 })
  assert.equal(typeof info.data.version, 'string')
  assert.ok(Date.parse(info.data.lastModified) && Date.parse(info.data.createdAt))

  assert.deepEqual(await files.exists('a.png'), { data: true, error: null })
  const absent = await files.exists('b.png')
  assert.equal(absent.data, false)
  assertApiError(absent.error, '404', 'NoSuchKey')
  assertApiError((await files.info('b.png')).error, '404', 'NoSuchKey')
})

test('signed URLs, single and batch, with download names', async () => {
  const files = storage.from(await bucket('signed'))
  await files.upload('dir/a b.png', PNG, { contentType: 'image/png' })

  const { data, error } = await files.createSignedUrl('dir/a b.png', 60)
  assert.equal(error, null)
  assert.ok(data.signedUrl.startsWith(`${url}/object/sign/signed-${run}/dir/a%20b.png?token=`), data.signedUrl)
  const served = await fetch(data.signedUrl)
  assert.equal(served.status, 200)
  assert.deepEqual(Buffer.from(await served.arrayBuffer()), PNG)
  assert.ok(served.headers.get('expires'))

  const asAttachment = await files.createSignedUrl('dir/a b.png', 60, { download: true })
  assert.equal((await fetch(asAttachment.data.signedUrl)).headers.get('content-disposition'), 'attachment;')
  const named = await files.createSignedUrl('dir/a b.png', 60, { download: 'photo.png' })
  assert.match((await fetch(named.data.signedUrl)).headers.get('content-disposition'), /filename=photo\.png/)
  assertApiError((await files.createSignedUrl('nope.png', 60)).error, '404', 'NoSuchKey')

  const batch = await files.createSignedUrls(['dir/a b.png', 'nope.png'], 60)
  assert.equal(batch.error, null)
  assert.equal(batch.data[0].path, 'dir/a b.png')
  assert.equal(batch.data[0].error, null)
  assert.equal((await fetch(batch.data[0].signedUrl)).status, 200)
  assert.deepEqual([batch.data[1].path, batch.data[1].signedUrl], ['nope.png', null])
  assert.equal(batch.data[1].error, 'Either the object does not exist or you do not have access to it')
})

test('signed upload URLs: sign, upload with the token, upsert only when signed for it', async () => {
  const id = await bucket('uploads')
  const files = storage.from(id)

  const signed = await files.createSignedUploadUrl('new/a.png')
  assert.equal(signed.error, null)
  assert.equal(signed.data.path, 'new/a.png')
  assert.ok(signed.data.signedUrl.startsWith(`${url}/object/upload/sign/${id}/new/a.png?token=`))
  const uploaded = await files.uploadToSignedUrl('new/a.png', signed.data.token, PNG, { contentType: 'image/png' })
  assert.deepEqual(uploaded, { data: { path: 'new/a.png', fullPath: `${id}/new/a.png` }, error: null })
  assert.deepEqual(await bytesOf((await files.download('new/a.png')).data), PNG)

  const reused = await files.uploadToSignedUrl('new/a.png', signed.data.token, Buffer.from('x'), { contentType: 'image/png' })
  assertApiError(reused.error, '409', 'KeyAlreadyExists')
  assertApiError((await files.createSignedUploadUrl('new/a.png')).error, '409', 'KeyAlreadyExists')
  const other = await files.uploadToSignedUrl('new/b.png', signed.data.token, PNG, { contentType: 'image/png' })
  assertApiError(other.error, '400', 'InvalidSignature')

  const upsert = await files.createSignedUploadUrl('new/a.png', { upsert: true })
  const replaced = await files.uploadToSignedUrl('new/a.png', upsert.data.token, new Blob(['replaced'], { type: 'image/png' }))
  assert.equal(replaced.error, null)
  assert.equal((await bytesOf((await files.download('new/a.png')).data)).toString(), 'replaced')
})

test('public URLs serve public buckets only, with the download name', async () => {
  const open = storage.from(await bucket('open', { public: true }))
  await open.upload('p.png', PNG, { contentType: 'image/png' })
  const { data } = open.getPublicUrl('p.png')
  assert.equal(data.publicUrl, `${url}/object/public/open-${run}/p.png`)
  const served = await fetch(data.publicUrl)
  assert.equal(served.status, 200)
  assert.equal(served.headers.get('cache-control'), 'max-age=3600')
  assert.deepEqual(Buffer.from(await served.arrayBuffer()), PNG)
  const attachment = await fetch(open.getPublicUrl('p.png', { download: 'x.png' }).data.publicUrl)
  assert.match(attachment.headers.get('content-disposition'), /^attachment; filename=x\.png/)

  const closed = storage.from(await bucket('closed'))
  await closed.upload('p.png', PNG, { contentType: 'image/png' })
  const refused = await fetch(closed.getPublicUrl('p.png').data.publicUrl)
  assert.equal(refused.status, 400)
  const body = await refused.json()
  assert.deepEqual([body.statusCode, body.code], ['404', 'NoSuchBucket'])
})
