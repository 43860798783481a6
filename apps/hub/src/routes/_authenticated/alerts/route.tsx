import { createFileRoute, Outlet } from '@tanstack/react-router';
import { alertContext } from '../../../server/functions/alerts.functions.ts';

/**
 * Around every alert page: what the caller may do and the server's "now". These change rarely,
 * so a new filter or page reloads the list alone; triage and a realm switch invalidate the
 * router, which reloads this as well.
 */
export const Route = createFileRoute('/_authenticated/alerts')({
  loader: () => alertContext(),
  staleTime: 30_000,
  component: Outlet,
});
