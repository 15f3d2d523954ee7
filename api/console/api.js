// @ts-check
// The console's one way to the REST API: the same endpoints and tokens as the mini-program.
// Errors arrive as application/problem+json; their Chinese `message` is what the user reads.

const KEY = "changxiao.session";

/** @typedef {{ access_token: string, refresh_token: string, user: any }} Session */

/** @returns {Session | null} */
export function session() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) || "null");
  } catch {
    return null;
  }
}

/** @param {Session | null} s */
function keep(s) {
  if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
  else sessionStorage.removeItem(KEY);
}

/** The roles the signed-in user holds (for the menu; what each record allows, the API says). */
export function roles() {
  const s = session();
  return new Set((s?.user?.grants || []).map((g) => g.role));
}

export class ApiError extends Error {
  /** @param {number} status @param {any} body */
  constructor(status, body) {
    super((body && body.message) || `服务暂时不可用（${status}），请稍后重试`);
    this.status = status;
    this.code = (body && body.code) || "unavailable";
    /** @type {{ field: string, code: string, message: string }[]} */
    this.errors = (body && body.errors) || [];
  }
}

/** Signs in with a password; keeps the session for this browser tab. */
export async function signIn(username, password) {
  const res = await fetch("/api/v1/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, body);
  keep(body);
  return body;
}

export async function signOut() {
  const s = session();
  keep(null);
  if (s) await fetch("/api/v1/auth/logout", { method: "POST", headers: { authorization: `Bearer ${s.access_token}` } }).catch(() => {});
}

/** One refresh at a time, however many calls found the token expired. */
let refreshing = null;
async function refresh() {
  const s = session();
  if (!s) return false;
  refreshing ??= fetch("/api/v1/auth/refresh", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ refresh_token: s.refresh_token }),
  })
    .then(async (res) => {
      if (!res.ok) return false;
      keep({ ...s, ...(await res.json()) });
      return true;
    })
    .catch(() => false)
    .finally(() => (refreshing = null));
  return refreshing;
}

/** Raised when the session is over: the app goes to sign-in, then back to the same page. */
export class SignedOut extends Error {}

/**
 * @param {string} method
 * @param {string} path under /api/v1
 * @param {any} [body]
 * @param {Record<string, string>} [headers]
 */
export async function call(method, path, body, headers = {}) {
  for (let attempt = 0; ; attempt++) {
    const s = session();
    if (!s) throw new SignedOut();
    const res = await fetch(`/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${s.access_token}`,
        // A form (files) sets its own multipart type and boundary.
        ...(body === undefined || body instanceof FormData ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      body: body === undefined || body instanceof FormData ? body : JSON.stringify(body),
    });
    if (res.status === 401 && attempt === 0 && (await refresh())) continue;
    if (res.status === 401) {
      keep(null);
      throw new SignedOut();
    }
    if (res.status === 204) return null;
    const type = res.headers.get("content-type") || "";
    const data = type.includes("json") ? await res.json().catch(() => null) : await res.blob();
    if (!res.ok) throw new ApiError(res.status, data);
    return data;
  }
}

export const get = (path) => call("GET", path);
export const post = (path, body, headers) => call("POST", path, body, headers);
