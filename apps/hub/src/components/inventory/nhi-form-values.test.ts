import type { NhiDetail } from '@nhi/nhi';
import { describe, expect, it } from 'vitest';
import {
  emptyNhiForm,
  formValuesOf,
  serverFieldErrors,
  validateChanges,
  validateCreate,
} from './nhi-form-values.ts';

const ownerId = '6f1c2b7e-93a4-4c1d-8e55-2d9f0b4a7c31';

function existing(): NhiDetail {
  return {
    id: '1b2c3d4e-93a4-4c1d-8e55-2d9f0b4a7c31',
    kind: 'service_account',
    provider: 'aws',
    externalId: 'arn:aws:iam::1:user/svc',
    name: 'svc-payments-prod',
    description: null,
    owner: null,
    environment: 'production',
    status: 'active',
    tags: ['team:payments', 'pci'],
  } as NhiDetail;
}

describe('identity form', () => {
  it('names each field that breaks the shared schema', () => {
    const checked = validateCreate({ ...emptyNhiForm, name: '  ', tags: 'ok bad!tag' }, 'idem-key-123');

    expect(checked.input).toBeNull();
    expect(Object.keys(checked.errors ?? {}).sort()).toEqual(['externalId', 'name', 'tags']);
    expect(checked.errors?.tags).toMatch(/^“bad!tag”: /);
  });

  it('builds the create input the service takes, unowned when no owner is chosen', () => {
    const checked = validateCreate(
      { ...emptyNhiForm, externalId: 'B01', name: 'deploy-bot', tags: 'a, b b', description: '  ' },
      'idem-key-123',
    );

    expect(checked.errors).toBeNull();
    expect(checked.input).toMatchObject({
      externalId: 'B01',
      name: 'deploy-bot',
      ownerUserId: null,
      description: null,
      tags: ['a', 'b'],
      idempotencyKey: 'idem-key-123',
    });
  });

  it('sends only the fields that differ from the version being edited', () => {
    const base = formValuesOf(existing());

    expect(validateChanges(base, base).changes).toEqual({});
    expect(validateChanges({ ...base, tags: 'pci team:payments,pci' }, base).changes).toEqual({
      tags: ['pci', 'team:payments'],
    });
    expect(validateChanges({ ...base, ownerUserId: ownerId, status: 'disabled' }, base).changes).toEqual({
      ownerUserId: ownerId,
      status: 'disabled',
    });
    expect(validateChanges({ ...base, name: '' }, base).errors).toHaveProperty('name');
  });

  it('sends an owner group, and its removal, as a change of its own', () => {
    const groupId = '0c4b8f52-1a2b-4c3d-9e8f-7a6b5c4d3e2f';
    const base = formValuesOf({ ...existing(), ownerGroup: { id: groupId, name: 'Payments team' } });

    expect(base.ownerGroupId).toBe(groupId);
    expect(validateChanges({ ...base, ownerGroupId: '' }, base).changes).toEqual({ ownerGroupId: null });
    expect(validateChanges({ ...base, ownerGroupId: 'not-a-group' }, base).errors).toHaveProperty(
      'ownerGroupId',
    );
  });

  it('puts the server’s issues on the fields they are about, update inputs included', () => {
    expect(
      serverFieldErrors({
        issues: [
          { path: ['changes', 'ownerUserId'], message: 'Not a member of this realm' },
          { path: ['name'], message: 'Too long' },
          { message: 'no path' },
        ],
      }),
    ).toEqual({ ownerUserId: 'Not a member of this realm', name: 'Too long' });
  });
});
