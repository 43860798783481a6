import { type DashboardLink, hrefOf } from '@nhi/dashboard/links';
import { Link } from '@tanstack/react-router';
import type { ReactNode } from 'react';

/**
 * A figure that opens the list of exactly what it counts. Inventory links navigate in the app;
 * alert links go to the alerts page's URL contract.
 */
export function FigureLink({
  link,
  label,
  children,
  testId,
}: {
  link: DashboardLink | null;
  label: string;
  children: ReactNode;
  testId?: string;
}) {
  if (!link) return <span data-testid={testId}>{children}</span>;
  if (link.to === '/inventory') {
    return (
      <Link
        to="/inventory"
        search={link.search}
        aria-label={label}
        data-testid={testId}
        className="figure-link"
      >
        {children}
      </Link>
    );
  }
  return (
    <a href={hrefOf(link)} aria-label={label} data-testid={testId} className="figure-link">
      {children}
    </a>
  );
}
