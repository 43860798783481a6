import http from 'node:http';
import { decodeJwt, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import { onTestFinished } from 'vitest';
import { freePort } from './hub-process.ts';

export interface IdpUser {
  email: string;
  name: string;
  /** What the groups claim says at the next sign-in; a test may change it between logins. */
  groups: string[];
}

export interface TestIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  users: Map<string, IdpUser>;
  /** The next ID token the token endpoint hands out is re-signed with these claims changed. */
  tamperNextIdToken(change: (claims: JWTPayload) => JWTPayload): void;
  /** Registers the hub's callback and post-logout addresses (known once the hub has started). */
  registerHub(hubUrl: string, providerId: string): void;
  /** Stops it; done when the test ends unless it was started for the file (`forFile`). */
  close(): Promise<void>;
}

/**
 * A real OpenID Provider (oidc-provider) on a free loopback port, with one confidential client,
 * users whose groups claim the test controls, and its development login pages (any password).
 * Consent is implied: the hub asks only for openid, email, profile and groups.
 */
export async function startTestIdp({ forFile = false } = {}): Promise<TestIdp> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = 'nhi-hub-e2e';
  const clientSecret = 'e2e-client-secret-that-is-long-enough';
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingJwk = { ...(await exportJWK(privateKey)), kid: 'e2e-idp-key', alg: 'RS256', use: 'sig' };
  const users = new Map<string, IdpUser>();
  let tamper: ((claims: JWTPayload) => JWTPayload) | undefined;
  let server: http.Server | undefined;

  function start(redirectUri: string, postLogoutUri: string) {
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: clientId,
          client_secret: clientSecret,
          redirect_uris: [redirectUri],
          post_logout_redirect_uris: [postLogoutUri],
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_post',
        },
      ],
      jwks: { keys: [signingJwk] },
      claims: {
        openid: ['sub'],
        email: ['email', 'email_verified'],
        profile: ['name'],
        groups: ['groups'],
      },
      scopes: ['openid', 'email', 'profile', 'groups'],
      // Claims of the requested scopes in the ID token itself, as Keycloak's mappers put them.
      conformIdTokenClaims: false,
      features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
      cookies: { keys: ['e2e-idp-cookie-key'] },
      findAccount: async (_ctx, sub) => {
        const user = users.get(sub);
        if (!user) return undefined;
        return {
          accountId: sub,
          claims: async () => ({
            sub,
            email: user.email,
            email_verified: true,
            name: user.name,
            groups: [...user.groups],
          }),
        };
      },
      loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
        const session = ctx.oidc.session;
        const client = ctx.oidc.client;
        if (!session?.accountId || !client) return undefined;
        const grant = new ctx.oidc.provider.Grant({
          clientId: client.clientId,
          accountId: session.accountId,
        });
        grant.addOIDCScope('openid email profile groups');
        await grant.save();
        return grant;
      },
    });
    provider.proxy = false;
    // Re-signs the ID token with the IdP's own key after a change: what a provider that got it
    // wrong (or an attacker holding its key) would send.
    provider.use(async (ctx, next) => {
      await next();
      const body = ctx.body as { id_token?: string } | undefined;
      if (ctx.path !== '/token' || !tamper || !body?.id_token) return;
      const change = tamper;
      tamper = undefined;
      const claims = change(decodeJwt(body.id_token));
      body.id_token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: signingJwk.kid, typ: 'JWT' })
        .sign(privateKey);
    });
    server = http.createServer(provider.callback());
    server.listen(port, '127.0.0.1');
  }

  const idp: TestIdp = {
    issuer,
    clientId,
    clientSecret,
    users,
    tamperNextIdToken(change) {
      tamper = change;
    },
    registerHub(hubUrl, providerId) {
      start(`${hubUrl}/auth/oidc/${providerId}/callback`, `${hubUrl}/login`);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server?.closeAllConnections();
        server ? server.close(() => resolve()) : resolve();
      }),
  };
  if (!forFile) onTestFinished(() => idp.close());
  return idp;
}
