// The API client: the response envelope unwrapped, errors as ApiError, and the session. The access
// token lives only in this module's memory; the refresh token is an HttpOnly cookie scoped to
// /api/auth that this code never sees, so a page reload (or an XSS) cannot read either.

let accessToken = null;
let refreshing = null;

export class ApiError extends Error {
  constructor(status, code, message, field, retryAfter) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
    this.retryAfter = retryAfter;
  }

  get offline() {
    return this.code === 'OFFLINE';
  }
}

/** Calls the API; resolves to `{data, meta}` or rejects with an ApiError. */
export async function call(path, { method = 'GET', body, auth = true, headers = {} } = {}) {
  const send = () => {
    const h = { ...headers };
    if (body !== undefined) h['Content-Type'] = 'application/json';
    if (auth && accessToken) h.Authorization = `Bearer ${accessToken}`;
    return fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin' });
  };
  let response = await network(send);
  if (response.status === 401 && auth && (await refresh())) response = await network(send);
  return unwrap(response);
}

/** Raw bytes (an edited picture) as the request body, typed by the blob: resolves like `call`. */
export async function upload(path, blob, { method = 'POST' } = {}) {
  const send = () => fetch(path, { method, body: blob, credentials: 'same-origin',
    headers: { 'Content-Type': blob.type, ...(accessToken ? { Authorization: `Bearer ${accessToken}` } : {}) } });
  let response = await network(send);
  if (response.status === 401 && (await refresh())) response = await network(send);
  return unwrap(response);
}

/** A file the API sends as an attachment (download, export), saved through a temporary link:
 *  the request needs the access token, which a plain link cannot carry. */
export async function saveFile(path, { method = 'GET', body } = {}) {
  const send = () => fetch(path, { method, credentials: 'same-origin',
    headers: { ...(accessToken ? { Authorization: `Bearer ${accessToken}` } : {}),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body) });
  let response = await network(send);
  if (response.status === 401 && (await refresh())) response = await network(send);
  if (!response.ok) await unwrap(response);
  const disposition = response.headers.get('Content-Disposition') ?? '';
  const name = decodeURIComponent(disposition.match(/filename\*=UTF-8''([^;]+)/)?.[1] ?? '')
    || disposition.match(/filename="([^"]+)"/)?.[1] || 'download';
  const url = URL.createObjectURL(await response.blob());
  const link = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return name;
}

/** The data of a successful call (the common case). */
export async function get(path) {
  return (await call(path)).data;
}

async function network(send) {
  try {
    return await send();
  } catch {
    throw new ApiError(0, 'OFFLINE', 'network unavailable');
  }
}

async function unwrap(response) {
  let envelope;
  try {
    envelope = await response.json();
  } catch {
    throw new ApiError(response.status, 'BAD_RESPONSE', `HTTP ${response.status}`);
  }
  if (response.ok && envelope.success) return { data: envelope.data, meta: envelope.meta };
  const error = envelope.error ?? {};
  // The shell's notice explains it once, whichever screen met it.
  if (error.code === 'EMAIL_NOT_VERIFIED') window.dispatchEvent(new CustomEvent('studio:unverified'));
  throw new ApiError(response.status, error.code ?? 'ERROR', error.message ?? `HTTP ${response.status}`,
    error.details?.field, error.details?.retryAfter);
}

/** A fresh access token from the refresh cookie; one request at a time (the cookie rotates). */
export function refresh() {
  refreshing ??= (async () => {
    try {
      const { data } = await unwrap(await oneTabAtATime(() => network(() =>
        fetch('/api/auth/refresh', { method: 'POST', credentials: 'same-origin' }))));
      accessToken = data.access_token;
      return true;
    } catch (error) {
      if (error.offline) throw error;
      accessToken = null;
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** Every tab shares the one cookie, and presenting a replaced refresh token ends the login on
 *  the server (reuse detection): tabs take turns, so each sends the cookie the last one set. */
function oneTabAtATime(work) {
  return navigator.locks ? navigator.locks.request('studio-refresh', work) : work();
}

export async function signIn(email, password) {
  const { data } = await call('/api/auth/login', { method: 'POST', auth: false,
    body: { email, password, transport: 'cookie' } });
  accessToken = data.access_token;
  return data.user;
}

/** Signs out; everywhere also revokes every API key, and answers what was ended (`revoked`). */
export async function signOut(everywhere = false) {
  try {
    const { data } = await call(everywhere ? '/api/auth/logout-all' : '/api/auth/logout', { method: 'POST' });
    return data;
  } finally {
    accessToken = null;
  }
}

export function forget() {
  accessToken = null;
}

export function signedIn() {
  return accessToken !== null;
}
