import type { Grant } from '@nhi/policy';
import { formatInstant } from '../shared/format-instant.ts';

/** Why a permission is held: each policy and the group path it reaches the user through. */
export function GrantList({ grants }: { grants: readonly Grant[] }) {
  if (grants.length === 0) return <span className="muted">No assignment grants it</span>;
  return (
    <ul className="grant-list">
      {grants.map((grant) => (
        <li key={`${grant.assignmentId}-${grant.memberGroupId}`} data-testid="grant">
          <strong>{grant.policyName}</strong> on <span>{grant.path.join(' › ')}</span>
          {grant.scopePath ? (
            <span data-testid="grant-scope"> · for identities of {grant.scopePath.join(' › ')}</span>
          ) : null}
          {grant.expiresAt ? (
            <span className="hint"> · until {formatInstant(new Date(grant.expiresAt))} UTC</span>
          ) : null}
        </li>
      ))}
    </ul>
  );
}
