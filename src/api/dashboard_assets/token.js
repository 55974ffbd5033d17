// The dashboard's bearer token: taken from the URL fragment (#token=...) or the page's form, kept in
// sessionStorage (this tab only, gone when it closes) and removed from the address bar at once, so it
// is neither bookmarked, nor left in the history, nor sent anywhere but in the Authorization header.

const KEY = "benefit-ledger.dashboard.token";

/** Move a `#token=...` fragment into sessionStorage and strip it from the address bar. */
export function adoptTokenFromFragment() {
  const fragment = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  const token = fragment.get("token");
  if (token === null) return false;
  if (token.trim()) sessionStorage.setItem(KEY, token.trim());
  history.replaceState(null, "", window.location.pathname + window.location.search);
  return true;
}

export function currentToken() {
  return sessionStorage.getItem(KEY);
}

export function saveToken(token) {
  if (token.trim()) sessionStorage.setItem(KEY, token.trim());
}

export function forgetToken() {
  sessionStorage.removeItem(KEY);
}

/** Headers for a report request: the bearer token when there is one. */
export function authHeaders() {
  const token = currentToken();
  return token ? { Accept: "application/json", Authorization: `Bearer ${token}` } : { Accept: "application/json" };
}
