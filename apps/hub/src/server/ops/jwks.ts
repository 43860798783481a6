import type { SigningKeys } from '@nhi/platform';

/**
 * Workers refetch by themselves when a token names a key they have not seen, so a rotation
 * reaches them without waiting for this to pass.
 */
const maxAgeSeconds = 300;

/** The hub's public signing keys as a JSON Web Key Set, for workers to verify forwarded calls with. */
export async function jwksResponse(keys: Pick<SigningKeys, 'publicKeySet'>): Promise<Response> {
  return Response.json(await keys.publicKeySet(), {
    headers: {
      'content-type': 'application/jwk-set+json',
      'cache-control': `public, max-age=${maxAgeSeconds}`,
    },
  });
}
