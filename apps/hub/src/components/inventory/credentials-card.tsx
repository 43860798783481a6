import type { NhiCredential } from '@nhi/nhi';
import { AddCredentialForm } from './add-credential-form.tsx';
import { CredentialRow } from './credential-row.tsx';

export function CredentialsCard({
  nhiId,
  credentials,
  asOf,
  canWrite,
  onChanged,
}: {
  nhiId: string;
  credentials: NhiCredential[];
  asOf: Date;
  canWrite: boolean;
  onChanged: () => Promise<void>;
}) {
  const active = credentials.filter((credential) => credential.status === 'active').length;
  return (
    <section className="card stack" aria-labelledby="credentials-title" data-testid="nhi-credentials">
      <div className="card-heading">
        <h2 id="credentials-title">Credentials</h2>
        <span className="hint">
          {active} active of {credentials.length} · rotate after 90 days · times in UTC
        </span>
      </div>
      {credentials.length === 0 ? (
        <p className="muted" data-testid="no-credentials">
          No credentials recorded.
        </p>
      ) : (
        <div className="table-scroll">
          <table className="table compact" data-testid="credential-table">
            <thead>
              <tr>
                <th scope="col">Kind</th>
                <th scope="col">Hint · fingerprint</th>
                <th scope="col">Status</th>
                <th scope="col">Age</th>
                <th scope="col">Expiry</th>
                <th scope="col">Issued / rotated</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {credentials.map((credential) => (
                <CredentialRow
                  key={credential.id}
                  credential={credential}
                  asOf={asOf}
                  canWrite={canWrite}
                  onChanged={onChanged}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {canWrite ? <AddCredentialForm nhiId={nhiId} onAdded={onChanged} /> : null}
    </section>
  );
}
