import { decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { inject, injectable } from 'tsyringe';
import type { Clock } from '../../context/request-context.ts';
import { CLOCK, LOGGER } from '../../di/tokens.ts';
import { AuthenticationError, NotFoundError } from '../../errors/domain-errors.ts';
import type { Logger } from '../../logging/logger.ts';
import type { LoginResult } from '../auth.service.ts';
import { isSessionAlgorithm } from '../signing-key-material.ts';
import { SigningKeys } from '../signing-keys.ts';
import { type AssertedIdentity, OidcAccounts } from './oidc-accounts.ts';
import { isLoopbackHost, type OidcProviderConfig } from './oidc-config.ts';

/** The cookie that carries a sign-in from its start to its callback. */
export const OIDC_FLOW_COOKIE = 'nhi_oidc_flow';
/** How long a browser may take at the provider before the sign-in must start again. */
export const oidcFlowTtlSeconds = 10 * 60;

/** A distinct type keeps a session token or any other JWT of these keys from passing as a flow. */
const flowTokenType = 'nhi-oidc-flow+jwt';

/** A sign-in that cannot go on, with what the person at the browser should know (no tokens, no traces). */
export class OidcLoginError extends Error {
  constructor(
    message: string,
    /** Short, stable, for logs and the audit trail. */
    readonly reason: string,
    /** The library's own words, for the log: they name checks, never tokens. */
    readonly detail?: string,
  ) {
    super(message);
  }
}

interface FlowClaims {
  provider: string;
  state: string;
  nonce: string;
  verifier: string;
}

/**
 * Sign-in at an OpenID Connect provider: authorization code flow with PKCE, state and nonce, by
 * openid-client, which discovers the provider and validates the ID token (signature, issuer,
 * audience, expiry, nonce). What must survive the trip to the provider travels in a short-lived
 * cookie signed with the hub's session keys.
 */
@injectable()
export class OidcLogin {
  private readonly configurations = new Map<string, Promise<oidc.Configuration>>();

  constructor(
    @inject(OidcAccounts) private readonly accounts: OidcAccounts,
    @inject(SigningKeys) private readonly keys: SigningKeys,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Where to send the browser, and the flow cookie's value. */
  async start(
    providerId: string,
    redirectUri: string,
  ): Promise<{ authorizationUrl: string; flowCookie: string }> {
    const provider = this.providerOrNotFound(providerId);
    const configuration = await this.configuration(provider);
    const verifier = oidc.randomPKCECodeVerifier();
    const flow: FlowClaims = {
      provider: provider.id,
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      verifier,
    };
    const authorizationUrl = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      scope: provider.scopes,
      response_type: 'code',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: flow.state,
      nonce: flow.nonce,
    });
    return { authorizationUrl: authorizationUrl.href, flowCookie: await this.sealFlow(flow) };
  }

  /** The provider's answer at the callback: a session, or an OidcLoginError saying what was wrong. */
  async finish(
    providerId: string,
    callbackUrl: URL,
    flowCookie: string | undefined,
    context: { requestId?: string } = {},
  ): Promise<LoginResult> {
    const provider = this.providerOrNotFound(providerId);
    const providerError = callbackUrl.searchParams.get('error');
    if (providerError) {
      const description = callbackUrl.searchParams.get('error_description');
      throw new OidcLoginError(
        `${provider.name} refused the sign-in: ${description ?? providerError}`.slice(0, 300),
        'provider_error',
      );
    }
    const flow = await this.openFlow(flowCookie, provider.id);
    const configuration = await this.configuration(provider);
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      throw refusalOf(error, provider);
    }
    const identity = await this.identityOf(provider, configuration, tokens);
    try {
      return await this.accounts.signIn(provider, identity, {
        ...(tokens.id_token ? { idToken: tokens.id_token } : {}),
        ...(context.requestId ? { requestId: context.requestId } : {}),
      });
    } catch (error) {
      if (error instanceof AuthenticationError) throw new OidcLoginError(error.message, 'account_refused');
      throw error;
    }
  }

  /**
   * The provider's end-session URL for a session it started (RP-initiated logout), or undefined
   * when the provider has none or the session was a password login.
   */
  async logoutUrl(
    session: { identityProvider: string | null; idToken: string | null },
    postLogoutRedirectUri: string,
  ): Promise<string | undefined> {
    const provider = session.identityProvider ? this.accounts.provider(session.identityProvider) : undefined;
    if (!provider) return undefined;
    try {
      const configuration = await this.configuration(provider);
      if (!configuration.serverMetadata().end_session_endpoint) return undefined;
      return oidc.buildEndSessionUrl(configuration, {
        post_logout_redirect_uri: postLogoutRedirectUri,
        client_id: provider.clientId,
        ...(session.idToken ? { id_token_hint: session.idToken } : {}),
      }).href;
    } catch (error) {
      // The hub's session is over either way; the provider's may outlive it.
      this.logger.warn(
        { event: 'oidc_logout_unavailable', provider: provider.id, err: error },
        'no provider logout',
      );
      return undefined;
    }
  }

  private providerOrNotFound(id: string): OidcProviderConfig {
    const provider = this.accounts.provider(id);
    if (!provider) throw new NotFoundError('Identity provider', id);
    return provider;
  }

  /** Discovery once per provider and process; a failed discovery is tried again next time. */
  private configuration(provider: OidcProviderConfig): Promise<oidc.Configuration> {
    let pending = this.configurations.get(provider.id);
    if (!pending) {
      pending = discover(provider);
      this.configurations.set(provider.id, pending);
      pending.catch((error: unknown) => {
        this.configurations.delete(provider.id);
        this.logger.warn(
          { event: 'oidc_discovery_failed', provider: provider.id, err: error },
          'discovery failed',
        );
      });
    }
    return pending.catch(() => {
      throw new OidcLoginError(
        `${provider.name} cannot be reached right now: try again later`,
        'discovery_failed',
      );
    });
  }

  private async identityOf(
    provider: OidcProviderConfig,
    configuration: oidc.Configuration,
    tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>,
  ): Promise<AssertedIdentity> {
    const claims = tokens.claims();
    if (!claims) throw new OidcLoginError(`${provider.name} sent no ID token`, 'no_id_token');
    let source: Record<string, unknown> = claims;
    // Some providers put email or groups only in userinfo (Okta's default groups, Keycloak without
    // the mapper on the ID token): asked for only when the ID token lacks them.
    const needsUserinfo = claims.email === undefined || claimAt(claims, provider.groupsClaim) === undefined;
    if (needsUserinfo && configuration.serverMetadata().userinfo_endpoint) {
      try {
        const userinfo = await oidc.fetchUserInfo(configuration, tokens.access_token, claims.sub);
        source = { ...userinfo, ...claims };
        if (claimAt(claims, provider.groupsClaim) === undefined) {
          source = { ...source, ...pick(userinfo, provider.groupsClaim) };
        }
      } catch (error) {
        this.logger.warn(
          { event: 'oidc_userinfo_failed', provider: provider.id, err: error },
          'userinfo failed',
        );
      }
    }
    const email = typeof source.email === 'string' ? source.email : undefined;
    const name = typeof source.name === 'string' ? source.name : undefined;
    return {
      subject: claims.sub,
      ...(email ? { email } : {}),
      emailVerified: source.email_verified === true || source.email_verified === 'true',
      ...(name ? { name } : {}),
      groups: groupsOf(claimAt(source, provider.groupsClaim)),
    };
  }

  private async sealFlow(flow: FlowClaims): Promise<string> {
    const signer = await this.keys.signer();
    if (!signer.privateKey) throw new Error('This process holds no private key to sign with');
    const iat = Math.floor(this.clock.now().getTime() / 1000);
    return new SignJWT({ ...flow })
      .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: flowTokenType })
      .setIssuedAt(iat)
      .setExpirationTime(iat + oidcFlowTtlSeconds)
      .sign(signer.privateKey);
  }

  private async openFlow(cookie: string | undefined, providerId: string): Promise<FlowClaims> {
    const expired = new OidcLoginError(
      'This sign-in has expired or was started in another browser: start it again',
      'flow_missing',
    );
    if (!cookie) throw expired;
    try {
      const header = decodeProtectedHeader(cookie);
      if (!isSessionAlgorithm(header.alg) || typeof header.kid !== 'string') throw expired;
      const key = await this.keys.verificationKey(header.kid);
      if (!key || key.alg !== header.alg) throw expired;
      const { payload } = await jwtVerify(cookie, key.publicKey, {
        algorithms: [key.alg],
        typ: flowTokenType,
        currentDate: this.clock.now(),
        requiredClaims: ['exp'],
      });
      const { provider, state, nonce, verifier } = payload as Partial<FlowClaims>;
      if (provider !== providerId || !state || !nonce || !verifier) throw expired;
      return { provider, state, nonce, verifier };
    } catch {
      throw expired;
    }
  }
}

async function discover(provider: OidcProviderConfig): Promise<oidc.Configuration> {
  const issuer = new URL(provider.issuer);
  const authentication = provider.clientSecret ? oidc.ClientSecretPost(provider.clientSecret) : oidc.None();
  // Plain http only for a provider on this machine (the configuration refuses it elsewhere).
  const insecure = issuer.protocol === 'http:' && isLoopbackHost(issuer.hostname);
  return oidc.discovery(
    issuer,
    provider.clientId,
    provider.clientSecret,
    authentication,
    insecure ? { execute: [oidc.allowInsecureRequests] } : {},
  );
}

/** What the library's refusal means for the person signing in; the details go to the log only. */
function refusalOf(error: unknown, provider: OidcProviderConfig): OidcLoginError {
  const refusal = classify(error, provider);
  const detail = describe(error).text.slice(0, 300) || undefined;
  return new OidcLoginError(refusal.message, refusal.reason, detail);
}

function classify(error: unknown, provider: OidcProviderConfig): OidcLoginError {
  // openid-client wraps the check that failed (oauth4webapi's error, whose cause names the claim).
  const { text, claimName } = describe(error);
  if (text.includes('"state"')) {
    return new OidcLoginError(
      'The answer from the provider does not belong to the sign-in this browser started (state mismatch): start it again',
      'state_mismatch',
    );
  }
  if (error instanceof oidc.AuthorizationResponseError) {
    return new OidcLoginError(`${provider.name} refused the sign-in`, 'provider_error');
  }
  const claim = claimName ?? /"(\w+)"/.exec(text)?.[1];
  if (claim === 'nonce') {
    return new OidcLoginError(
      'The ID token was not issued for this sign-in (nonce mismatch)',
      'nonce_mismatch',
    );
  }
  if (claim === 'iss') {
    return new OidcLoginError(
      `The ID token was not issued by ${provider.name} (issuer mismatch)`,
      'issuer_mismatch',
    );
  }
  if (claim === 'exp') return new OidcLoginError('The ID token has expired', 'id_token_expired');
  if (claim === 'aud' || claim === 'azp') {
    return new OidcLoginError(
      'The ID token was issued for another application (audience mismatch)',
      'audience_mismatch',
    );
  }
  if (error instanceof oidc.ResponseBodyError) {
    return new OidcLoginError(
      `${provider.name} did not accept the sign-in’s code: start it again`,
      'token_refused',
    );
  }
  return new OidcLoginError(`The answer from ${provider.name} could not be verified`, 'invalid_response');
}

/** The messages along an error's chain of causes, and the claim a failed JWT check names. */
function describe(error: unknown): { text: string; claimName: string | undefined } {
  const messages: string[] = [];
  let claimName: string | undefined;
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== null && typeof current === 'object'; depth += 1) {
    const { message, claim, cause } = current as { message?: unknown; claim?: unknown; cause?: unknown };
    if (typeof message === 'string') messages.push(message);
    if (typeof claim === 'string') claimName ??= claim;
    current = cause;
  }
  return { text: messages.join(' | '), claimName };
}

/** A claim by name, or by a dotted path into nested objects (Keycloak's `realm_access.roles`). */
function claimAt(claims: Record<string, unknown>, name: string): unknown {
  if (name in claims) return claims[name];
  let value: unknown = claims;
  for (const part of name.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function pick(source: Record<string, unknown>, name: string): Record<string, unknown> {
  const value = claimAt(source, name);
  return value === undefined ? {} : { [name]: value };
}

function groupsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((entry): entry is string => typeof entry === 'string');
  return [];
}
