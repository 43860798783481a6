import type { NhiListItem } from '@nhi/nhi';
import { Link } from '@tanstack/react-router';
import {
  createColumnHelper,
  rowSelectionFeature,
  rowSortingFeature,
  tableFeatures,
} from '@tanstack/react-table';
import { AgeBadge, DateCell, ExpiryBadge, OwnerLabel, StatusBadge } from './badges.tsx';
import { environmentLabel, kindLabel, providerLabel, statusLabel } from './labels.ts';

export const inventoryFeatures = tableFeatures({ rowSortingFeature, rowSelectionFeature });

const helper = createColumnHelper<typeof inventoryFeatures, NhiListItem>();

/**
 * Column ids are the list's sort keys, so a header click names the server-side sort directly;
 * the columns not shown (provider, times) are sorted through the toolbar's sort control.
 * `asOf` is the server's clock: ages render the same on the server and after hydration.
 */
export function inventoryColumns(asOf: Date) {
  return helper.columns([
    helper.display({
      id: 'select',
      enableSorting: false,
      header: ({ table }) => (
        <input
          type="checkbox"
          aria-label="Select all on this page"
          checked={table.getIsAllPageRowsSelected()}
          ref={(input) => {
            if (input) input.indeterminate = table.getIsSomePageRowsSelected();
          }}
          onChange={table.getToggleAllPageRowsSelectedHandler()}
          data-testid="select-all"
        />
      ),
      cell: ({ row }) => (
        <input
          type="checkbox"
          aria-label={`Select ${row.original.name}`}
          checked={row.getIsSelected()}
          onChange={row.getToggleSelectedHandler()}
          data-testid="select-row"
        />
      ),
    }),
    helper.accessor('name', {
      id: 'name',
      header: 'Name',
      cell: ({ row }) => (
        <div className="nhi-name-cell">
          <Link
            to="/inventory/$id"
            params={{ id: row.original.id }}
            className="nhi-name"
            title={row.original.name}
            data-testid="nhi-link"
          >
            {row.original.name}
          </Link>
          <span className="nhi-external-id" title={row.original.externalId}>
            {row.original.externalId}
          </span>
        </div>
      ),
    }),
    helper.accessor('kind', {
      id: 'kind',
      header: 'Kind',
      cell: ({ row }) => (
        <div className="two-line">
          <span>{kindLabel[row.original.kind]}</span>
          <span className="muted">{providerLabel[row.original.provider]}</span>
        </div>
      ),
    }),
    helper.accessor('environment', {
      id: 'environment',
      header: 'Environment',
      cell: ({ getValue }) => <span className={`env env-${getValue()}`}>{environmentLabel[getValue()]}</span>,
    }),
    helper.accessor('owner', {
      id: 'owner',
      header: 'Owner',
      cell: ({ getValue }) => <OwnerLabel owner={getValue()} />,
    }),
    helper.accessor('status', {
      id: 'status',
      header: 'Status',
      cell: ({ getValue }) => <StatusBadge status={getValue()} label={statusLabel[getValue()]} />,
    }),
    helper.accessor('oldestActiveCredentialAt', {
      id: 'oldestCredentialAge',
      header: 'Oldest credential',
      cell: ({ row }) =>
        row.original.activeCredentialCount === 0 ? (
          <span className="muted">None active</span>
        ) : (
          <span className="cred-summary">
            <AgeBadge since={row.original.oldestActiveCredentialAt} asOf={asOf} compact />
            <span className="muted" title="Active credentials">
              ×{row.original.activeCredentialCount}
            </span>
          </span>
        ),
    }),
    helper.accessor('nextCredentialExpiresAt', {
      id: 'nextCredentialExpiry',
      header: 'Next expiry',
      cell: ({ getValue, row }) =>
        row.original.activeCredentialCount === 0 ? (
          <span className="muted">—</span>
        ) : (
          <ExpiryBadge expiresAt={getValue()} asOf={asOf} compact />
        ),
    }),
    helper.accessor('lastUsedAt', {
      id: 'lastUsedAt',
      header: 'Last used',
      cell: ({ getValue }) => <DateCell instant={getValue()} empty="Never" />,
    }),
  ]);
}
