import { REQUEST_CONTEXT, REQUEST_PERMISSIONS, type RequestContext } from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import type { WhoCanPageInput } from '../api/policy.schema.ts';
import type { WhatCanEntry, WhoCanEntry } from './policy-engine.ts';
import {
  type GroupDetail,
  type GroupSummary,
  type PolicyAuditEntry,
  type PolicyCatalogue,
  type PolicyChoice,
  PolicyQueryService,
  type RealmMemberChoice,
} from './policy-query.service.ts';

export interface GroupsPage {
  groups: GroupSummary[];
  /** The group asked for, or the first when it is absent or not the realm's; null without groups. */
  selected: GroupDetail | null;
  members: RealmMemberChoice[];
  policies: PolicyChoice[];
  canAdminister: boolean;
  /** The server's "now", so expiry is judged by one clock. */
  now: Date;
}

export interface PoliciesPage extends PolicyCatalogue {
  canAdminister: boolean;
}

export interface AccessPage {
  members: RealmMemberChoice[];
  /** The member shown; null when the realm has none. */
  userId: string | null;
  /** Every permission the member holds, each with the grants that give it. */
  permissions: WhatCanEntry[];
  catalogue: PolicyCatalogue['permissions'];
}

export interface WhoCanPage {
  catalogue: PolicyCatalogue['permissions'];
  /** The permission shown; null when the catalogue is empty. */
  permission: string | null;
  /** The identity the question is about; null: anywhere in the realm. */
  nhiId: string | null;
  items: WhoCanEntry[];
  nextCursor: string | null;
}

export interface PolicyAuditPage {
  entries: PolicyAuditEntry[];
  /** To name the people behind the changes. */
  members: RealmMemberChoice[];
}

/** How many of a member's permissions one read takes: the page shows them all. */
const accessBatch = 500;
const whoCanPageSize = 50;
const auditEntries = 200;

/** What each access-control page shows, read in one go from the realm's policy data (policy:read). */
@injectable()
export class PolicyPages {
  constructor(
    @inject(REQUEST_CONTEXT) private readonly context: RequestContext,
    @inject(REQUEST_PERMISSIONS) private readonly permissions: ReadonlySet<string>,
    @inject(PolicyQueryService) private readonly queries: PolicyQueryService,
  ) {}

  private get canAdminister(): boolean {
    return this.permissions.has('policy:admin');
  }

  async groups(groupId: string | undefined): Promise<GroupsPage> {
    const groups = await this.queries.tree();
    const selectedId = groups.some((g) => g.id === groupId) ? groupId : groups[0]?.id;
    const [selected, members, catalogue] = await Promise.all([
      selectedId ? this.queries.group(selectedId) : null,
      this.queries.members(),
      this.queries.policies(),
    ]);
    return {
      groups,
      selected,
      members,
      policies: catalogue.policies,
      canAdminister: this.canAdminister,
      now: this.context.clock.now(),
    };
  }

  async policies(): Promise<PoliciesPage> {
    return { ...(await this.queries.policies()), canAdminister: this.canAdminister };
  }

  /** Someone not a member of the realm is NOT_FOUND. */
  async access(userId: string | undefined): Promise<AccessPage> {
    const members = await this.queries.members();
    const selected = userId ?? members[0]?.userId ?? null;
    const permissions = selected ? await this.everyPermissionOf(selected) : [];
    const catalogue = (await this.queries.policies()).permissions;
    return { members, userId: selected, permissions, catalogue };
  }

  private async everyPermissionOf(userId: string): Promise<WhatCanEntry[]> {
    const permissions: WhatCanEntry[] = [];
    let cursor: string | null = null;
    do {
      const page = await this.queries.whatCan({ userId, cursor, limit: accessBatch });
      permissions.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return permissions;
  }

  async whoCan(input: WhoCanPageInput): Promise<WhoCanPage> {
    const catalogue = (await this.queries.policies()).permissions;
    const permission = input.permission ?? catalogue[0]?.key ?? null;
    const page = permission
      ? await this.queries.whoCan({
          permission,
          cursor: input.cursor ?? null,
          limit: whoCanPageSize,
          nhiId: input.nhiId || undefined,
        })
      : { items: [], nextCursor: null };
    return { catalogue, permission, nhiId: input.nhiId || null, ...page };
  }

  async audit(): Promise<PolicyAuditPage> {
    const [entries, members] = await Promise.all([
      this.queries.audit({ limit: auditEntries }),
      this.queries.members(),
    ]);
    return { entries, members };
  }
}
