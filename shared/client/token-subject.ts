import * as z from 'zod';

const claimsSchema = z.object({ sub: z.string().min(1) });

/**
 * The user a JWT names (`sub`), read without verifying it: the server verifies, the client only
 * needs to recognise its own user in events. Undefined for anything that is not a readable JWT.
 * Browser-safe: `atob` and `TextDecoder`, no Node modules.
 */
export function tokenSubject(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '='));
    const json = new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
    const claims = claimsSchema.safeParse(JSON.parse(json));
    return claims.success ? claims.data.sub : undefined;
  } catch {
    return undefined;
  }
}
