import { inject, injectable } from 'tsyringe';
import { writeAuditEntry } from '../auth/audit-entry.ts';
import type { PlatformDatabase } from '../database/platform-database.ts';
import { PLATFORM_DATABASE } from '../database/tokens.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import { invalidValue, ScimError, scimNotFound } from './scim-error.ts';
import { parseScimFilter, type ScimPage } from './scim-filter.ts';
import { applyPatch, type PatchableAttribute, type ScimResourceData } from './scim-patch.ts';
import { scimActor } from './scim-tokens.ts';
import {
  listResponseSchema,
  requireWritable,
  type ScimListResponse,
  type ScimRequest,
} from './scim-users.ts';

type Tx = Prisma.TransactionClient;

export const groupSchema = 'urn:ietf:params:scim:schemas:core:2.0:Group';

const groupAttributes: readonly PatchableAttribute[] = [
  { name: 'displayName' },
  { name: 'members', multi: true },
];

interface GroupState {
  displayName: string;
  memberIds: string[];
}

interface GroupRow {
  id: string;
  name: string;
  createdAt: Date;
  members: { userId: string; user: { email: string } }[];
}

/**
 * SCIM Groups of one realm (ADR 0033): its top-level policy groups other than the built-in ones,
 * by name. A group's place in the tree is the policy domain's business: subgroups are not
 * provisioned, and `/` (the separator of group paths) is refused in a name. Members must be
 * members of the realm. A realm a worker serves keeps its policy groups there: its Groups are
 * answered 501.
 */
@injectable()
export class ScimGroups {
  constructor(@inject(PLATFORM_DATABASE) private readonly db: PlatformDatabase) {}

  async list(
    request: ScimRequest,
    query: { filter?: string | null; page: ScimPage; withMembers: boolean },
  ): Promise<ScimListResponse> {
    requireHubGroups(request);
    const realmId = request.caller.realm.id;
    const where: Prisma.PolicyGroupWhereInput = { ...provisionable(realmId), ...filterOf(query.filter) };
    const [total, rows] = await this.db.systemPrisma.$transaction(async (tx) => [
      await tx.policyGroup.count({ where }),
      await tx.policyGroup.findMany({
        where,
        select: rowSelect,
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        skip: query.page.startIndex - 1,
        take: query.page.count,
      }),
    ]);
    return {
      schemas: [listResponseSchema],
      totalResults: total,
      startIndex: query.page.startIndex,
      itemsPerPage: rows.length,
      Resources: rows.map((row) => groupResource(row, request.baseUrl, query.withMembers)),
    };
  }

  async get(request: ScimRequest, id: string, withMembers = true): Promise<ScimResourceData> {
    requireHubGroups(request);
    const row = await rowOf(this.db.systemPrisma, request.caller.realm.id, id);
    if (!row) throw scimNotFound('Group', id);
    return groupResource(row, request.baseUrl, withMembers);
  }

  async create(request: ScimRequest, body: unknown): Promise<ScimResourceData> {
    requireHubGroups(request);
    requireWritable(request.caller);
    const state = groupStateOf(body);
    const realmId = request.caller.realm.id;
    const row = await this.db.systemPrisma.$transaction(async (tx) => {
      await requireFreeName(tx, realmId, state.displayName);
      const group = await tx.policyGroup.create({
        data: { realmId, parentId: null, name: state.displayName, description: 'Provisioned by SCIM' },
        select: { id: true },
      });
      await audit(tx, request, 'policy.group.create', group.id, undefined, {
        name: state.displayName,
        parentId: null,
        path: [state.displayName],
      });
      await setMembers(tx, request, group.id, [], state.memberIds);
      return mustRow(tx, realmId, group.id);
    });
    return groupResource(row, request.baseUrl, true);
  }

  async replace(request: ScimRequest, id: string, body: unknown): Promise<ScimResourceData> {
    return this.change(request, id, () => groupStateOf(body));
  }

  async patch(request: ScimRequest, id: string, body: unknown): Promise<ScimResourceData> {
    return this.change(request, id, (current) =>
      groupStateOf(
        applyPatch(groupResource(current, request.baseUrl, true), body, groupAttributes, groupSchema),
      ),
    );
  }

  async remove(request: ScimRequest, id: string): Promise<void> {
    requireHubGroups(request);
    requireWritable(request.caller);
    const realmId = request.caller.realm.id;
    await this.db.systemPrisma.$transaction(async (tx) => {
      const current = await rowOf(tx, realmId, id);
      if (!current) throw scimNotFound('Group', id);
      if ((await tx.policyGroup.count({ where: { realmId, parentId: id } })) > 0) {
        throw new ScimError(409, `${current.name} has subgroups: move or delete them in the hub first`);
      }
      if ((await tx.nhi.count({ where: { realmId, ownerGroupId: id } })) > 0) {
        throw new ScimError(409, `${current.name} owns identities: give them another owner in the hub first`);
      }
      await tx.policyGroup.deleteMany({ where: { realmId, id } });
      await audit(tx, request, 'policy.group.delete', id, {
        name: current.name,
        path: [current.name],
        members: current.members.map((member) => member.userId),
      });
    });
  }

  private async change(
    request: ScimRequest,
    id: string,
    next: (current: GroupRow) => GroupState,
  ): Promise<ScimResourceData> {
    requireHubGroups(request);
    requireWritable(request.caller);
    const realmId = request.caller.realm.id;
    const row = await this.db.systemPrisma.$transaction(async (tx) => {
      const current = await rowOf(tx, realmId, id);
      if (!current) throw scimNotFound('Group', id);
      const state = next(current);
      if (state.displayName !== current.name) {
        await requireFreeName(tx, realmId, state.displayName);
        await tx.policyGroup.updateMany({ where: { realmId, id }, data: { name: state.displayName } });
        await audit(
          tx,
          request,
          'policy.group.rename',
          id,
          { name: current.name },
          { name: state.displayName },
        );
      }
      await setMembers(
        tx,
        request,
        id,
        current.members.map((member) => member.userId),
        state.memberIds,
      );
      return mustRow(tx, realmId, id);
    });
    return groupResource(row, request.baseUrl, true);
  }
}

function requireHubGroups(request: ScimRequest): void {
  if (request.caller.realm.servedByWorker) {
    throw new ScimError(501, 'Groups of a realm served by a worker instance are managed on that instance');
  }
}

function provisionable(realmId: string): Prisma.PolicyGroupWhereInput {
  return { realmId, parentId: null, builtInRole: null };
}

function filterOf(filter: string | null | undefined): Prisma.PolicyGroupWhereInput {
  if (!filter) return {};
  const { attribute, value } = parseScimFilter(filter, ['displayName', 'id']);
  return attribute === 'id' ? { id: value } : { name: { equals: value, mode: 'insensitive' } };
}

const rowSelect = {
  id: true,
  name: true,
  createdAt: true,
  members: { select: { userId: true, user: { select: { email: true } } }, orderBy: { userId: 'asc' } },
} as const;

function rowOf(
  tx: Tx | PlatformDatabase['systemPrisma'],
  realmId: string,
  id: string,
): Promise<GroupRow | null> {
  return tx.policyGroup.findFirst({ where: { ...provisionable(realmId), id }, select: rowSelect });
}

async function mustRow(tx: Tx, realmId: string, id: string): Promise<GroupRow> {
  const row = await rowOf(tx, realmId, id);
  if (!row) throw scimNotFound('Group', id);
  return row;
}

/** displayName names one top-level group: two with the same name would make the filter ambiguous. */
async function requireFreeName(tx: Tx, realmId: string, name: string): Promise<void> {
  const taken = await tx.policyGroup.findFirst({
    where: { realmId, parentId: null, name: { equals: name, mode: 'insensitive' } },
    select: { id: true },
  });
  if (taken) throw new ScimError(409, `A group named ${name} already exists`, 'uniqueness');
}

async function setMembers(
  tx: Tx,
  request: ScimRequest,
  groupId: string,
  before: string[],
  after: string[],
): Promise<void> {
  const realmId = request.caller.realm.id;
  const added = after.filter((userId) => !before.includes(userId));
  const removed = before.filter((userId) => !after.includes(userId));
  if (added.length > 0) {
    const members = await tx.realmMembership.findMany({
      where: { realmId, userId: { in: added } },
      select: { userId: true, user: { select: { email: true } } },
    });
    const known = new Map(members.map((member) => [member.userId, member.user.email]));
    const stranger = added.find((userId) => !known.has(userId));
    if (stranger) throw invalidValue(`Member ${stranger} is not an active user of this realm`);
    for (const userId of added) {
      await tx.policyGroupMember.create({ data: { realmId, groupId, userId }, select: { userId: true } });
      await audit(tx, request, 'policy.member.add', groupId, undefined, {
        userId,
        email: known.get(userId) ?? null,
      });
    }
  }
  for (const userId of removed) {
    await tx.policyGroupMember.deleteMany({ where: { realmId, groupId, userId } });
    await audit(tx, request, 'policy.member.remove', groupId, { userId });
  }
}

function groupStateOf(body: unknown): GroupState {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw invalidValue('The body is a Group object');
  const group = body as Record<string, unknown>;
  const name = typeof group.displayName === 'string' ? group.displayName.trim() : '';
  if (name.length === 0 || name.length > 100) throw invalidValue('displayName is required: 1-100 characters');
  if (name.includes('/'))
    throw invalidValue('displayName names a top-level group: “/” separates group paths');
  const members = group.members ?? [];
  if (!Array.isArray(members)) throw invalidValue('members must be a list');
  const ids = members.map((member) => {
    const value = (member as { value?: unknown } | null)?.value;
    if (typeof value !== 'string' || value === '')
      throw invalidValue('Each member names a user by value (its id)');
    return value;
  });
  return { displayName: name, memberIds: [...new Set(ids)] };
}

function groupResource(row: GroupRow, baseUrl: string, withMembers: boolean): ScimResourceData {
  return {
    schemas: [groupSchema],
    id: row.id,
    displayName: row.name,
    ...(withMembers
      ? {
          members: row.members.map((member) => ({
            value: member.userId,
            display: member.user.email,
            $ref: `${baseUrl}/Users/${member.userId}`,
          })),
        }
      : {}),
    meta: {
      resourceType: 'Group',
      created: row.createdAt.toISOString(),
      lastModified: row.createdAt.toISOString(),
      location: `${baseUrl}/Groups/${row.id}`,
    },
  };
}

function audit(
  tx: Tx,
  request: ScimRequest,
  action: string,
  groupId: string,
  before: Prisma.InputJsonValue | undefined,
  after?: Prisma.InputJsonValue,
): Promise<void> {
  return writeAuditEntry(tx, {
    realmId: request.caller.realm.id,
    actor: scimActor(request.caller),
    action,
    entityType: 'PolicyGroup',
    entityId: groupId,
    ...(before ? { before } : {}),
    ...(after ? { after } : {}),
    ...(request.requestId ? { requestId: request.requestId } : {}),
  });
}
