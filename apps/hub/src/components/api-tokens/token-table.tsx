import type { MyApiToken } from '@nhi/platform';
import { TokenRow } from './token-row.tsx';

export function TokenTable({ tokens, onRevoked }: { tokens: MyApiToken[]; onRevoked: () => Promise<void> }) {
  return (
    <section className="card" aria-labelledby="tokens-title">
      <div className="card-heading">
        <h2 id="tokens-title">Your tokens in this realm</h2>
        <span className="hint">Times in UTC</span>
      </div>
      {tokens.length === 0 ? (
        <p className="muted" data-testid="no-tokens">
          No tokens yet.
        </p>
      ) : (
        <div className="table-scroll">
          <table className="table" data-testid="token-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Prefix</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((token) => (
                <TokenRow key={token.id} token={token} onRevoked={onRevoked} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
