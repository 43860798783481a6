import type { CreatedScimToken, ScimTokenSummary } from '@nhi/platform';
import { useEffect, useState } from 'react';
import { TokenReveal } from '../api-tokens/token-reveal.tsx';
import { CreateScimTokenForm } from './create-scim-token-form.tsx';
import { ScimTokenRow } from './scim-token-row.tsx';

/**
 * The base URL an identity provider is given. Without NHI_PUBLIC_URL the page knows only the path
 * until it runs in the browser, which knows the address it was loaded from.
 */
function useAbsolute(baseUrl: string): string {
  const [absolute, setAbsolute] = useState(baseUrl);
  useEffect(() => setAbsolute(new URL(baseUrl, window.location.origin).toString()), [baseUrl]);
  return absolute;
}

/** The realm's SCIM provisioning tokens (ADR 0033), for its admins, below their own API tokens. */
export function ScimTokensSection({
  scim,
  onChanged,
}: {
  scim: { tokens: ScimTokenSummary[]; baseUrl: string };
  onChanged: () => Promise<void>;
}) {
  // Held in memory only: leaving the page or dismissing the panel forgets it.
  const [created, setCreated] = useState<CreatedScimToken | null>(null);
  const baseUrl = useAbsolute(scim.baseUrl);

  return (
    <section className="card stack" id="scim-tokens" aria-labelledby="scim-tokens-title">
      <div className="card-heading">
        <h2 id="scim-tokens-title">SCIM provisioning tokens of this realm</h2>
        <span className="hint">Times in UTC</span>
      </div>
      <p className="muted">
        An identity provider with a SCIM token creates, updates and deactivates this realm’s users and its
        policy groups. Give it the SCIM base URL <code data-testid="scim-base-url">{baseUrl}</code> and the
        token.
      </p>
      {created ? (
        <TokenReveal
          name={created.name}
          token={created.token}
          onDone={() => setCreated(null)}
          kind="SCIM token"
          testIdPrefix="scim-"
          usage={
            <>
              Enter it in the identity provider as its bearer token, with the SCIM base URL{' '}
              <code>{baseUrl}</code>. Users it provisions join this realm as {created.defaultRole}s.
            </>
          }
        />
      ) : null}
      <CreateScimTokenForm
        onCreated={async (token) => {
          setCreated(token);
          await onChanged();
        }}
      />
      {scim.tokens.length === 0 ? (
        <p className="muted" data-testid="no-scim-tokens">
          No SCIM tokens yet.
        </p>
      ) : (
        <div className="table-scroll">
          <table className="table" data-testid="scim-token-table">
            <caption className="visually-hidden">SCIM tokens of this realm</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Prefix</th>
                <th scope="col">Role of provisioned users</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {scim.tokens.map((token) => (
                <ScimTokenRow key={token.id} token={token} onRevoked={onChanged} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
