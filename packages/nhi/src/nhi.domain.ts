import { defineDomain } from '@nhi/platform';
import { nhiAccessPermissions } from './api/nhi.permissions.ts';
import { nhiRouter } from './api/nhi.procedures.ts';

/** The inventory: no jobs of its own; scans and imports write to it. */
export const nhiDomain = defineDomain({ name: 'nhi', router: nhiRouter, permissions: nhiAccessPermissions });
