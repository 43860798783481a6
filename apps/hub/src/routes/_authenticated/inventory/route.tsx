import { createFileRoute, Outlet } from '@tanstack/react-router';
import { InventoryError } from '../../../components/inventory/inventory-states.tsx';
import { inventoryContext } from '../../../server/functions/nhi.functions.ts';

/**
 * Around every inventory page: who may own an identity, what the caller may do, and "now". These
 * change rarely, so a new filter, sort or page reloads the list alone; saving anything
 * invalidates the router, which reloads this as well.
 */
export const Route = createFileRoute('/_authenticated/inventory')({
  loader: () => inventoryContext(),
  staleTime: 30_000,
  errorComponent: ({ error }) => <InventoryError error={error} />,
  component: Outlet,
});
