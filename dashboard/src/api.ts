// The dashboard's JSON API client: the session cookie goes by itself, the
// CSRF token is kept in memory and sent with every change.
import type { FailedSignIns } from './format.ts';

export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public fields: FieldError[] = [],
  ) {
    super(message);
  }
}

let csrf = '';
export const setCSRF = (t: string) => (csrf = t);

/** Called when the session ends, so the app can show the sign-in form,
 * with the server's reason (idle, admin token changed, account removed). */
export let onSignedOut: (reason: string) => void = () => {};
export const setOnSignedOut = (fn: (reason: string) => void) => (onSignedOut = fn);

export async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method != 'GET') headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch('/dashboard/api' + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, 'network', 'The server cannot be reached. Check your connection and try again.');
  }
  if (res.status == 204) return undefined as T;
  let data: any = null;
  try {
    data = await res.json();
  } catch {}
  if (!res.ok) {
    const e = data?.error || {};
    const err = new ApiError(res.status, e.code || 'http_' + res.status, e.message || `The server answered ${res.status}.`, e.fields || []);
    if (res.status == 401 && path != '/login') onSignedOut(e.message || '');
    throw err;
  }
  return data as T;
}

export interface User {
  id: string;
  email: string;
  operator: boolean;
  admin_token: boolean;
}

export interface Session {
  user: User;
  csrf_token: string;
  /** Wrong passwords for this account since the previous sign-in. */
  failed_sign_ins?: FailedSignIns;
}
