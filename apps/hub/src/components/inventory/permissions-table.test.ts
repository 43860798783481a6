import { describe, expect, it } from 'vitest';
import type { NhiPermission } from './nhi-schema.ts';
import { permissionRow } from './permissions-table.tsx';

const row = (entry: Record<string, unknown>) => permissionRow(entry as unknown as NhiPermission);

describe('a permission entry in the identity page’s table', () => {
  it('shows an entry with an action as it is', () => {
    const entry = {
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::logs/*',
      effect: 'allow',
      via: 'logs-read',
    };

    expect(row(entry)).toBe(entry);
  });

  it('shows a GitLab token’s scopes where they apply, with its access level', () => {
    expect(
      row({ project: 'acme/api', accessLevel: 'Maintainer', scopes: ['api', 'read_repository'] }),
    ).toEqual({
      effect: 'allow',
      action: 'api, read_repository',
      resource: 'acme/api',
      via: 'Maintainer',
    });
  });

  it('shows an Entra application permission on its API and a directory role', () => {
    expect(
      row({
        permission: 'Office 365 Exchange Online: full_access_as_app',
        resource: 'Office 365 Exchange Online',
        type: 'application',
      }),
    ).toEqual({
      effect: 'allow',
      action: 'Office 365 Exchange Online: full_access_as_app',
      resource: 'Office 365 Exchange Online',
      via: 'application',
    });
    expect(row({ directoryRole: 'Global Administrator', scope: '/', type: 'directory_role' })).toMatchObject({
      action: 'Global Administrator',
      resource: '/',
    });
  });
});
