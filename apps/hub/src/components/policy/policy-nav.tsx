import { Link } from '@tanstack/react-router';

/** The policy pages, one tab each. */
export function PolicyNav() {
  return (
    <nav className="main-nav policy-nav" aria-label="Access control">
      <Link to="/policy/groups" data-testid="nav-policy-groups">
        Groups
      </Link>
      <Link to="/policy/policies" data-testid="nav-policy-policies">
        Policies
      </Link>
      <Link to="/policy/access" data-testid="nav-policy-access">
        Effective access
      </Link>
      <Link to="/policy/who-can" data-testid="nav-policy-who-can">
        Who can
      </Link>
      <Link to="/policy/audit" data-testid="nav-policy-audit">
        Audit trail
      </Link>
    </nav>
  );
}
