/**
 * The bearer token, kept in sessionStorage only: it lives as long as the tab,
 * is never written to localStorage, a cookie or the URL, and never leaves the
 * browser except in the Authorization header / connection_init payload.
 */
const KEY = 'cellgraph.token';

export function loadToken(): string {
  try {
    return sessionStorage.getItem(KEY) ?? '';
  } catch {
    return ''; // storage disabled: the token lasts until reload
  }
}

export function saveToken(token: string): void {
  try {
    if (token) sessionStorage.setItem(KEY, token);
    else sessionStorage.removeItem(KEY);
  } catch {
    // storage disabled: keep it in memory only
  }
}
