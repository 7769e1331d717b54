/**
 * Who is calling: an API key (`Authorization: Bearer …`, or `Authorization`/`apiKey` in the WebSocket
 * `connection_init` payload) names a principal. Keys are compared by their SHA-256 digest in constant
 * time. With no keys configured (demo mode on loopback only, enforced by config) everyone is `demo`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export interface Principal {
  readonly id: string;
}

export const OPEN_PRINCIPAL: Principal = { id: 'demo' };

export class Authenticator {
  readonly #digests: { digest: Buffer; principal: string }[];
  constructor(apiKeys: ReadonlyMap<string, string>) {
    this.#digests = [...apiKeys].map(([key, principal]) => ({ digest: sha256(key), principal }));
  }

  get open(): boolean {
    return this.#digests.length === 0;
  }

  /** Whether some configured key (still) names this principal; in open mode only `demo`. */
  knows(principalId: string): boolean {
    if (this.open) return principalId === OPEN_PRINCIPAL.id;
    return this.#digests.some((entry) => entry.principal === principalId);
  }

  /**
   * The principal for an `Authorization` header value (`Bearer <key>`, or the bare key), or undefined
   * when the key is missing or unknown. Open mode accepts anyone as `demo`.
   */
  authenticate(authorization: string | undefined): Principal | undefined {
    if (this.open) return OPEN_PRINCIPAL;
    if (!authorization) return undefined;
    const key = authorization.replace(/^Bearer\s+/i, '').trim();
    if (!key) return undefined;
    const digest = sha256(key);
    let found: string | undefined;
    // Compare with every key so timing does not tell which prefix matched.
    for (const entry of this.#digests) if (timingSafeEqual(entry.digest, digest)) found = entry.principal;
    return found === undefined ? undefined : { id: found };
  }
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
