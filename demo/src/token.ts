// Named imports, not the `z` namespace: esbuild can then leave the rest of zod out of the bundle.
import { object, optional, string } from 'zod';

/**
 * Where the demo keeps its JWT: sessionStorage (gone when the tab closes). A token may arrive in the
 * URL fragment (`/demo#token=…`), which browsers never send to the server, so it stays out of
 * access logs; it is moved to sessionStorage and removed from the address bar at once. The demo
 * never puts a token in a query string.
 */
const STORAGE_KEY = 'chat-service-demo-token';

export function takeTokenFromHash(): void {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  const token = params.get('token')?.trim();
  if (!token) return;
  saveToken(token);
  history.replaceState(null, '', location.pathname + location.search);
}

export const loadToken = (): string | null => sessionStorage.getItem(STORAGE_KEY);
export const saveToken = (token: string): void => sessionStorage.setItem(STORAGE_KEY, token);
export const forgetToken = (): void => sessionStorage.removeItem(STORAGE_KEY);

const claimsSchema = object({ sub: string().min(1), name: optional(string().min(1)) });
export interface Identity {
  id: string;
  name: string;
}

/**
 * Who the token says we are, read without verifying (the server verifies; the page only needs to
 * tell its own messages, reactions and typing apart). Null for something that is not a JWT.
 */
export function identityOf(token: string): Identity | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const claims = claimsSchema.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
    if (!claims.success) return null;
    return { id: claims.data.sub, name: claims.data.name ?? claims.data.sub };
  } catch {
    return null;
  }
}
