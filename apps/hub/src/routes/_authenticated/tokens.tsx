import type { CreatedApiToken } from '@nhi/platform';
import { createFileRoute, useRouter } from '@tanstack/react-router';
import { useState } from 'react';
import { CreateTokenForm } from '../../components/api-tokens/create-token-form.tsx';
import { TokenReveal } from '../../components/api-tokens/token-reveal.tsx';
import { TokenTable } from '../../components/api-tokens/token-table.tsx';
import { ScimTokensSection } from '../../components/scim-tokens/scim-tokens-section.tsx';
import { listMyTokens } from '../../server/functions/api-tokens.functions.ts';

export const Route = createFileRoute('/_authenticated/tokens')({
  head: () => ({ meta: [{ title: 'API tokens · NHI Hub' }] }),
  loader: () => listMyTokens(),
  component: TokensPage,
});

function TokensPage() {
  const { tokens, grantable, scim } = Route.useLoaderData();
  const router = useRouter();
  // Held in memory only: leaving the page or dismissing the panel forgets it.
  const [created, setCreated] = useState<CreatedApiToken | null>(null);
  const refresh = () => router.invalidate();

  return (
    <div className="stack">
      <header className="page-header">
        <h1>API tokens</h1>
        <p className="muted">
          Tokens let programs call the API as you, in the current realm. Revoke a token as soon as it is no
          longer needed.
        </p>
      </header>
      {created ? (
        <TokenReveal name={created.name} token={created.token} onDone={() => setCreated(null)} />
      ) : null}
      <CreateTokenForm
        grantable={grantable}
        onCreated={async (token) => {
          setCreated(token);
          await refresh();
        }}
      />
      <TokenTable tokens={tokens} onRevoked={refresh} />
      {scim ? <ScimTokensSection scim={scim} onChanged={refresh} /> : null}
    </div>
  );
}
