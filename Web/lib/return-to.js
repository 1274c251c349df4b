// Where to go after signing in when a separate page (the viewer) sent the user to the login: the viewer stores
// its own path in sessionStorage before redirecting to /#/login, app.js takes it back once signed in. Only our
// own viewer paths are accepted, so the key cannot be used to send a user elsewhere (no open redirect).

export const RETURN_KEY = 'yy.returnTo';

/**
 * The path if it is one we may return to, else null.
 * @param {string | null | undefined} value
 */
export function safeReturnPath(value) {
  const v = String(value ?? '');
  if (!v.startsWith('/viewer/') || v.includes('//') || v.includes('\\') || /[\u0000-\u001f]/.test(v)) return null;
  return v;
}

/**
 * Reads and forgets the stored path.
 * @param {Pick<Storage, 'getItem' | 'removeItem'> | null} storage
 */
export function takeReturnPath(storage) {
  if (!storage) return null;
  try {
    const v = storage.getItem(RETURN_KEY);
    if (v !== null) storage.removeItem(RETURN_KEY);
    return safeReturnPath(v);
  } catch {
    return null;
  }
}
