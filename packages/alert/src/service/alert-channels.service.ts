import { randomBytes } from 'node:crypto';
import type { JsonValue } from '@nhi/nhi';
import {
  ConflictError,
  isUniqueViolation,
  NotFoundError,
  parseInput,
  publishDomainEvent,
  REALM_DB,
  REQUEST_CONTEXT,
  type RealmDb,
  type RealmTx,
  type RequestContext,
  ValidationError,
  writeAuditEntry,
} from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import type { z } from 'zod';
import {
  type ChannelType,
  type CreateChannelInput,
  createChannelInput,
  type ListDeliveriesInput,
  listDeliveriesInput,
  notificationIdsInput,
  type UpdateChannelInput,
  updateChannelInput,
} from '../api/channel.schema.ts';
import { moveTicketLinks } from '../sql/alert-tickets.sql.ts';
import { AlertDelivery } from './alert-delivery.ts';
import type { AlertNotice } from './alert-message.ts';
import type { SendOutcome } from './alert-senders.ts';
import { ChannelSecrets } from './channel-secrets.ts';
import { isTracker } from './ticket-delivery.ts';
import { openTrackerSecret, trackerSecretText, trim } from './tracker-clients.ts';

const channelSelect = {
  id: true,
  type: true,
  name: true,
  enabled: true,
  settings: true,
  severities: true,
  ruleIds: true,
  environments: true,
  ownerGroupIds: true,
  digestMinutes: true,
  lastSyncAt: true,
  lastSyncError: true,
  createdAt: true,
  updatedAt: true,
  encryptedSecret: true,
} as const;

export interface ChannelView {
  id: string;
  type: ChannelType;
  name: string;
  enabled: boolean;
  /** Non-secret settings (URL of a webhook, SMTP host, recipients); never the secret. */
  settings: { [key: string]: JsonValue };
  hasSecret: boolean;
  /** Ticket trackers: where the tracker's signed webhooks go (public, checked by signature). */
  webhookPath?: string;
  severities: string[];
  ruleIds: string[];
  environments: string[];
  ownerGroupIds: string[];
  digestMinutes: number | null;
  /** Ticket trackers: when the hub last read the tracker's changes, and what failed then. */
  lastSyncAt: Date | null;
  lastSyncError: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface DeliveryView {
  id: string;
  channelId: string;
  channelName: string;
  alertId: string | null;
  kind: string;
  state: 'pending' | 'sending' | 'delivered' | 'dead';
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  deliveredAt: Date | null;
  createdAt: Date;
  recipient: string | null;
  history: { attempt: number; ok: boolean; status: number | null; error: string | null; createdAt: Date }[];
}

/** What the channels page shows: every channel, the delivery log and the teams a channel may serve. */
export interface ChannelsOverview {
  channels: ChannelView[];
  deliveries: DeliveryView[];
  teams: { id: string; name: string }[];
}

type ChannelRow = {
  id: string;
  type: ChannelType;
  name: string;
  enabled: boolean;
  settings: unknown;
  severities: string[];
  ruleIds: string[];
  environments: string[];
  ownerGroupIds: string[];
  digestMinutes: number | null;
  lastSyncAt: Date | null;
  lastSyncError: string | null;
  createdAt: Date;
  updatedAt: Date;
  encryptedSecret: string | null;
};

/** The hub's route for a tracker channel's webhooks: the realm and the channel in the path. */
export const ticketWebhookPath = (realmSlug: string, channelId: string) =>
  `/api/hooks/tickets/${encodeURIComponent(realmSlug)}/${channelId}`;

/** Owner teams must be groups of the realm: another realm's or an unknown id is NOT_FOUND. */
async function requireGroups(tx: RealmTx, groupIds: readonly string[]): Promise<void> {
  if (groupIds.length === 0) return;
  const found = await tx.policyGroup.findMany({ where: { id: { in: [...groupIds] } }, select: { id: true } });
  const missing = groupIds.find((id) => !found.some((group) => group.id === id));
  if (missing) throw new NotFoundError('PolicyGroup', missing);
}

/** The credential fields an update may carry, per tracker; every other channel type takes none. */
const credentialFields = {
  jira: ['apiToken', 'email', 'webhookSecret'],
  servicenow: ['password', 'username', 'webhookSecret'],
} as const;
type CredentialField = 'apiToken' | 'email' | 'password' | 'username' | 'webhookSecret';
/** A null webhook secret removes it. */
type Credentials = Partial<Record<Exclude<CredentialField, 'webhookSecret'>, string>> & {
  webhookSecret?: string | null;
};

/** A tracker's new credentials, sealed before the update's transaction. */
interface Resealed {
  /** The sealed secret they replace: the update refuses to go on if it changed meanwhile. */
  from: string | null;
  /** Absent when only the account (email, username) changes. */
  encryptedSecret?: string;
  settings: Record<string, unknown>;
  /** The fields given a new value, and those removed (the webhook secret). */
  fields: CredentialField[];
  removed: CredentialField[];
}

/** The setting holding each tracker's address. */
const trackerUrlSetting = { jira: 'baseUrl', servicenow: 'instanceUrl' } as const;

/**
 * A URL as the audit shows it: any user and password in it left out. A URL given today carries
 * none (the schema refuses them); one stored before that check may, and shows in an update's
 * before-values.
 */
function withoutUserinfo(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url;
  }
}

/** A stored channel's settings as the audit shows them: the URLs in them without userinfo. */
function auditedSettings(settings: unknown): object {
  return Object.fromEntries(
    Object.entries(settings as Record<string, unknown>).map(([key, value]) => [
      key,
      typeof value === 'string' && /^https?:\/\//.test(value) ? withoutUserinfo(value) : value,
    ]),
  );
}

function viewOf(row: ChannelRow): ChannelView {
  const { encryptedSecret, settings, ...rest } = row;
  return { ...rest, settings: settings as ChannelView['settings'], hasSecret: encryptedSecret !== null };
}

/**
 * The realm's notification channels, their routing, the delivery log and its retry. Secrets are
 * encrypted before they reach the database and never returned, except a webhook's generated
 * signing secret, shown once at creation so the receiver can be configured.
 */
@injectable()
export class AlertChannelService {
  constructor(
    @inject(REQUEST_CONTEXT) private readonly context: RequestContext,
    @inject(REALM_DB) private readonly realmDb: RealmDb,
    @inject(ChannelSecrets) private readonly secrets: ChannelSecrets,
    @inject(AlertDelivery) private readonly delivery: AlertDelivery,
  ) {}

  async list(): Promise<ChannelView[]> {
    const rows = await this.realmDb.transaction((tx) =>
      tx.alertChannel.findMany({ orderBy: { name: 'asc' }, select: channelSelect }),
    );
    return rows.map((row) => this.withWebhookPath(viewOf(row)));
  }

  private withWebhookPath(view: ChannelView): ChannelView {
    if (view.type !== 'jira' && view.type !== 'servicenow') return view;
    return { ...view, webhookPath: ticketWebhookPath(this.context.realm.slug, view.id) };
  }

  /** For a webhook, `signingSecret` is the secret receivers verify with; it is not shown again. */
  async create(input: CreateChannelInput): Promise<ChannelView & { signingSecret?: string }> {
    const parsed = parseInput(createChannelInput, input, 'channel');
    const { type, name, severities, ruleIds, environments, ownerGroupIds, digestMinutes, hubUrl } = parsed;
    let secret: string | null = null;
    let settings: Record<string, unknown> = {};
    let signingSecret: string | undefined;
    if (parsed.type === 'webhook') {
      signingSecret = `whsec_${randomBytes(24).toString('base64url')}`;
      secret = signingSecret;
      settings = { url: parsed.url };
    } else if (parsed.type === 'slack') {
      secret = parsed.webhookUrl;
    } else if (parsed.type === 'jira') {
      secret = trackerSecretText({ token: parsed.apiToken, webhookSecret: parsed.webhookSecret });
      settings = {
        baseUrl: parsed.baseUrl,
        flavour: parsed.flavour,
        projectKey: parsed.projectKey,
        issueType: parsed.issueType,
        email: parsed.email ?? null,
        doneTransition: parsed.doneTransition,
        onTicketDone: parsed.onTicketDone,
        autoCreate: parsed.autoCreate,
        hasWebhookSecret: parsed.webhookSecret !== undefined,
      };
    } else if (parsed.type === 'servicenow') {
      secret = trackerSecretText({ token: parsed.password, webhookSecret: parsed.webhookSecret });
      settings = {
        instanceUrl: parsed.instanceUrl,
        table: parsed.table,
        username: parsed.username,
        assignmentGroup: parsed.assignmentGroup ?? null,
        resolvedState: parsed.resolvedState,
        closeCode: parsed.closeCode,
        onTicketDone: parsed.onTicketDone,
        autoCreate: parsed.autoCreate,
        hasWebhookSecret: parsed.webhookSecret !== undefined,
      };
    } else {
      secret = parsed.password ?? null;
      settings = {
        host: parsed.host,
        port: parsed.port,
        secure: parsed.secure,
        username: parsed.username ?? null,
        from: parsed.from,
        toOwner: parsed.toOwner,
        recipients: parsed.recipients,
      };
    }
    if (hubUrl) settings.hubUrl = hubUrl;
    const encryptedSecret = secret ? await this.secrets.seal(secret) : null;
    const now = this.context.clock.now();
    try {
      const row = await this.realmDb.transaction(async (tx) => {
        await requireGroups(tx, ownerGroupIds);
        const created = await tx.alertChannel.create({
          data: {
            type,
            name,
            settings: settings as object,
            encryptedSecret,
            severities,
            ruleIds,
            environments,
            ownerGroupIds,
            // A ticket per alert: trackers never batch.
            digestMinutes: type === 'jira' || type === 'servicenow' ? null : digestMinutes,
            createdAt: now,
            updatedAt: now,
          },
          select: channelSelect,
        });
        await this.audit(tx, 'alert.channel.create', created.id, undefined, {
          type,
          name,
          settings,
          severities,
          ruleIds,
          environments,
          ownerGroupIds,
          digestMinutes,
        });
        return created;
      });
      return { ...this.withWebhookPath(viewOf(row)), ...(signingSecret ? { signingSecret } : {}) };
    } catch (error) {
      if (isUniqueViolation(error))
        throw new ConflictError(`A channel named ${name} exists already`, { name });
      throw error;
    }
  }

  /**
   * Routing, on/off, and for a tracker its credentials: a new token or password and webhook secret
   * are sealed with the rest of the channel secret as at creation (one left out is kept), a new
   * email or username goes to the settings; a null webhook secret removes it. A tracker's `url`
   * moves the channel to a new address. The audit names the credential fields, never a value, and
   * shows the old and new address.
   */
  async update(input: UpdateChannelInput): Promise<ChannelView> {
    const { id, apiToken, email, password, username, webhookSecret, url, ...changes } = parseInput(
      updateChannelInput,
      input,
      'channel',
    );
    const credentials = Object.fromEntries(
      Object.entries({ apiToken, email, password, username, webhookSecret }).filter(
        ([, v]) => v !== undefined,
      ),
    ) as Credentials;
    const resealed = Object.keys(credentials).length > 0 ? await this.reseal(id, credentials) : undefined;
    try {
      return await this.applyUpdate(id, changes, resealed, url);
    } catch (error) {
      // A rename onto another channel's name is the caller's conflict, as on create.
      if (isUniqueViolation(error))
        throw new ConflictError(`A channel named ${changes.name} exists already`, { name: changes.name });
      throw error;
    }
  }

  /**
   * The channel's secret with the new credentials in it, sealed (outside the update's transaction:
   * the channel key may have to be read). Only a tracker takes credentials; the fields it does not
   * know are refused by name.
   */
  private async reseal(id: string, credentials: Credentials): Promise<Resealed> {
    const channel = await this.realmDb.transaction((tx) =>
      tx.alertChannel.findFirst({ where: { id }, select: { type: true, encryptedSecret: true } }),
    );
    if (!channel) throw new NotFoundError('AlertChannel', id);
    const fields = Object.keys(credentials) as CredentialField[];
    const allowed: readonly CredentialField[] = isTracker(channel.type) ? credentialFields[channel.type] : [];
    const refused = fields.filter((field) => !allowed.includes(field));
    if (refused.length > 0)
      throw new ValidationError(
        isTracker(channel.type)
          ? `A ${channel.type === 'jira' ? 'Jira' : 'ServiceNow'} channel takes ${allowed.join(', ')}`
          : `A ${channel.type} channel takes no credentials here: only Jira and ServiceNow channels do`,
        refused.map((field) => ({ path: [field], message: `Not a credential of a ${channel.type} channel` })),
      );
    const removed = credentials.webhookSecret === null ? (['webhookSecret'] as CredentialField[]) : [];
    const settings: Record<string, unknown> = {
      ...(credentials.email !== undefined ? { email: credentials.email } : {}),
      ...(credentials.username !== undefined ? { username: credentials.username } : {}),
      ...(credentials.webhookSecret !== undefined
        ? { hasWebhookSecret: credentials.webhookSecret !== null }
        : {}),
    };
    const set = fields.filter((field) => !removed.includes(field));
    const token = credentials.apiToken ?? credentials.password;
    if (token === undefined && credentials.webhookSecret === undefined)
      return { from: channel.encryptedSecret, settings, fields: set, removed };
    const secret = openTrackerSecret(
      channel.encryptedSecret ? await this.secrets.open(channel.encryptedSecret) : null,
    );
    const sealed = await this.secrets.seal(
      trackerSecretText({
        token: token ?? secret.token,
        // Removed, it is not sealed again: the channel's webhook then has no secret to accept by.
        webhookSecret:
          credentials.webhookSecret === null
            ? undefined
            : (credentials.webhookSecret ?? secret.webhookSecret),
      }),
    );
    return { from: channel.encryptedSecret, encryptedSecret: sealed, settings, fields: set, removed };
  }

  private applyUpdate(
    id: string,
    changes: Omit<z.output<typeof updateChannelInput>, 'id' | 'url' | CredentialField>,
    resealed?: Resealed,
    url?: string,
  ): Promise<ChannelView> {
    return this.realmDb.transaction(async (tx) => {
      const now = this.context.clock.now();
      // A credential change first takes the row, and only while it holds the secret that was
      // resealed: of two at once, the second would otherwise seal over the first unread.
      if (resealed) {
        const taken = await tx.alertChannel.updateMany({
          where: { id, encryptedSecret: resealed.from },
          data: { updatedAt: now },
        });
        if (taken.count === 0 && (await tx.alertChannel.count({ where: { id } })) > 0)
          throw new ConflictError('The channel’s credentials changed meanwhile; try again', { id });
      } else if (url !== undefined) {
        // The new address is merged into the settings as they are once the row is taken, so a
        // credential change at the same moment is not written over.
        await tx.alertChannel.updateMany({ where: { id }, data: { updatedAt: now } });
      }
      const before = await tx.alertChannel.findFirst({ where: { id }, select: channelSelect });
      if (!before) throw new NotFoundError('AlertChannel', id);
      if (changes.ownerGroupIds) await requireGroups(tx, changes.ownerGroupIds);
      const move = url === undefined ? undefined : await this.moveTracker(tx, before, url, now);
      const settings = { ...resealed?.settings, ...move?.settings };
      const row = await tx.alertChannel.update({
        where: { id },
        data: {
          ...changes,
          ...(resealed || move
            ? { settings: { ...(before.settings as object), ...settings } as object }
            : {}),
          ...(resealed?.encryptedSecret ? { encryptedSecret: resealed.encryptedSecret } : {}),
          ...(move?.moved ? { syncCursor: null } : {}),
          updatedAt: now,
        },
        select: channelSelect,
      });
      const { encryptedSecret: _b, ...auditBefore } = before;
      await this.audit(
        tx,
        'alert.channel.update',
        id,
        {
          ...auditBefore,
          settings: auditedSettings(auditBefore.settings),
          ...(move ? { url: withoutUserinfo(move.from) } : {}),
        },
        {
          ...changes,
          ...(resealed && resealed.fields.length > 0 ? { credentialsChanged: resealed.fields } : {}),
          ...(resealed && resealed.removed.length > 0 ? { credentialsRemoved: resealed.removed } : {}),
          ...(move ? { url: move.to } : {}),
        },
      );
      return this.withWebhookPath(viewOf(row));
    });
  }

  /**
   * A tracker's new address: the setting that holds it, and the stored links of its tickets moved
   * along (their ids and keys stay). Any other channel type has no tracker address to change.
   *
   * The back-sync cursor is cleared when the address really changes. The cursor is a time on the
   * old tracker's clock, and the hub cannot tell a tracker that moved from a different or migrated
   * one (whose update times may have been rewritten): a kept cursor could skip changes for good,
   * while the next sync reading the hub's tickets from the start costs one longer read and changes
   * nothing it has seen (the sync is idempotent).
   */
  private async moveTracker(
    tx: RealmTx,
    channel: { id: string; type: ChannelType; settings: unknown },
    url: string,
    now: Date,
  ) {
    if (!isTracker(channel.type))
      throw new ValidationError(
        `Only Jira and ServiceNow channels take url (the tracker's address), not ${channel.type} channels`,
        [{ path: ['url'], message: `Not a setting of a ${channel.type} channel` }],
      );
    const key = trackerUrlSetting[channel.type];
    const from = String((channel.settings as Record<string, unknown>)[key] ?? '');
    const moved = trim(from) !== trim(url);
    if (moved) await moveTicketLinks(tx, this.realmDb.realmId, channel.id, trim(from), trim(url), now);
    return { from, to: url, moved, settings: { [key]: url } };
  }

  async remove(id: string): Promise<void> {
    await this.realmDb.transaction(async (tx) => {
      const deleted = await tx.alertChannel.deleteMany({ where: { id } });
      if (deleted.count === 0) throw new NotFoundError('AlertChannel', id);
      await this.audit(tx, 'alert.channel.delete', id, undefined, undefined);
    });
  }

  /** Sends a sample alert through the channel now and says how it went (also in the delivery log). */
  async sendTest(id: string): Promise<SendOutcome> {
    const now = this.context.clock.now();
    const notificationId = await this.realmDb.transaction(async (tx) => {
      const channel = await tx.alertChannel.findFirst({ where: { id }, select: { id: true } });
      if (!channel) throw new NotFoundError('AlertChannel', id);
      const payload: AlertNotice = {
        alertId: '00000000-0000-0000-0000-000000000000',
        ruleId: 'nhi2.leaked_secret',
        owaspId: 'NHI2',
        severity: 'critical',
        state: 'open',
        subject: 'test',
        nhiId: null,
        credentialId: null,
        nhi: 'test-identity',
        environment: 'production',
        owner: null,
        at: now.toISOString(),
      };
      const created = await tx.alertNotification.create({
        data: { channelId: id, kind: 'test', payload: payload as object, nextAttemptAt: now, createdAt: now },
        select: { id: true },
      });
      await this.audit(tx, 'alert.channel.test', id, undefined, undefined);
      return created.id;
    });
    return this.delivery.deliverNow(this.context.realm.id, notificationId);
  }

  /** Every channel and the delivery log; one after the other, as the embedded database serves one transaction at a time. */
  async overview(input: ListDeliveriesInput = {}): Promise<ChannelsOverview> {
    const channels = await this.list();
    const teams = await this.realmDb.transaction((tx) =>
      tx.policyGroup.findMany({
        where: { builtInRole: null },
        orderBy: [{ name: 'asc' }, { id: 'asc' }],
        select: { id: true, name: true },
      }),
    );
    return { channels, deliveries: await this.deliveries(input), teams };
  }

  /** The delivery log, newest first, with each attempt. */
  async deliveries(input: ListDeliveriesInput = {}): Promise<DeliveryView[]> {
    const { states, channelId, limit } = parseInput(listDeliveriesInput, input, 'delivery filter');
    const rows = await this.realmDb.transaction((tx) =>
      tx.alertNotification.findMany({
        where: { ...(states ? { state: { in: states } } : {}), ...(channelId ? { channelId } : {}) },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: limit,
        select: {
          id: true,
          channelId: true,
          alertId: true,
          kind: true,
          state: true,
          attempts: true,
          nextAttemptAt: true,
          lastError: true,
          deliveredAt: true,
          createdAt: true,
          recipient: true,
          channel: { select: { name: true } },
          attemptsLog: {
            orderBy: { attempt: 'asc' },
            select: { attempt: true, ok: true, status: true, error: true, createdAt: true },
          },
        },
      }),
    );
    return rows.map(({ channel, attemptsLog, ...row }) => ({
      ...row,
      channelName: channel.name,
      history: attemptsLog,
    }));
  }

  /**
   * Gives dead notifications a new round of attempts, due now; those not dead are left as they
   * are. An id that names no notification of the realm is NOT_FOUND and retries none.
   */
  async retry(input: { ids: string[] }): Promise<{ retried: number }> {
    const { ids } = parseInput(notificationIdsInput, input, 'notification selection');
    return this.realmDb.transaction(async (tx) => {
      const unique = [...new Set(ids)];
      const found = await tx.alertNotification.findMany({
        where: { id: { in: unique } },
        select: { id: true },
      });
      if (found.length !== unique.length) {
        const known = new Set(found.map((row) => row.id));
        throw new NotFoundError('AlertNotification', unique.find((id) => !known.has(id)) ?? '');
      }
      const updated = await tx.alertNotification.updateMany({
        where: { id: { in: ids }, state: 'dead' },
        data: { state: 'pending', attempts: 0, nextAttemptAt: this.context.clock.now(), lockedUntil: null },
      });
      if (updated.count > 0) {
        await this.audit(tx, 'alert.notification.retry', undefined, undefined, { ids });
        await publishDomainEvent(tx, 'alert.notifications_queued');
      }
      return { retried: updated.count };
    });
  }

  private audit(
    tx: Parameters<Parameters<RealmDb['transaction']>[0]>[0],
    action: string,
    entityId: string | undefined,
    before: object | undefined,
    after: object | undefined,
  ) {
    return writeAuditEntry(tx, {
      realmId: this.context.realm.id,
      actor: this.context.principal,
      action,
      entityType: 'AlertChannel',
      entityId,
      before: before as never,
      after: after as never,
      requestId: this.context.requestId,
    });
  }
}
