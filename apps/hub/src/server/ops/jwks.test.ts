import { SigningKeys } from '@nhi/platform';
import { describeEachDatabase, setupHub } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { jwksResponse } from './jwks.ts';

describeEachDatabase('/.well-known/jwks.json', (_kind, newDatabase) => {
  it('publishes the public half of every key that still verifies, cacheable for five minutes', async () => {
    const hub = await setupHub(newDatabase);
    const signingKeys = hub.root.resolve(SigningKeys);
    const retired = (await signingKeys.signer()).kid;
    const { kid: current } = await signingKeys.rotate();

    const response = await jwksResponse(signingKeys);
    const body = (await response.json()) as { keys: Record<string, unknown>[] };

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/jwk-set+json');
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    expect(body.keys.map((key) => key.kid)).toEqual([current, retired]);
    for (const key of body.keys) {
      expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
      expect(key).not.toHaveProperty('d');
    }
  });
});
