import {
  CLOCK,
  type Clock,
  CONFIG,
  type Config,
  PLATFORM_DATABASE,
  type PlatformDatabase,
  RealmDb,
  type RealmTx,
} from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import {
  type ClaimedNotification,
  claimDue,
  type NotificationOutcome,
  recordNotificationOutcomes,
  releaseClaims,
} from '../sql/alert-delivery.sql.ts';
import { type ChannelTarget, type SendOutcome, send } from './alert-senders.ts';
import { ChannelSecrets } from './channel-secrets.ts';
import { deliverTicket, isTracker } from './ticket-delivery.ts';
import { openTrackerSecret } from './tracker-clients.ts';

export interface DeliveryOptions {
  /** Attempts before a notification is dead (shown in the delivery log with a retry button). */
  maxAttempts: number;
  /** The wait after the first failure; it doubles with each further one. */
  baseDelaySeconds: number;
  /** How long a claimed notification is reserved; a crashed sender's claims expire after it. */
  leaseSeconds: number;
  batchSize: number;
}

export const defaultDeliveryOptions: DeliveryOptions = {
  maxAttempts: 5,
  baseDelaySeconds: 30,
  leaseSeconds: 120,
  batchSize: 200,
};

export interface DeliveryRound {
  delivered: number;
  failed: number;
  dead: number;
}

/**
 * The longest one send may take (an SMTP send has connection, greeting and socket timeouts of 10 s
 * each): a group is sent only when it can finish before the lease ends, so another worker never
 * takes over a notification that is still being sent.
 */
const longestSendMs = 30_000;

/**
 * Delivers a realm's queued notifications. A notification is claimed (state `sending` with a
 * lease) in one transaction, sent outside any transaction, and its outcome recorded in another:
 * with several workers each notification goes to one of them, and a crash mid-send leaves it
 * claimed until the lease ends, then it is sent again (at least once; never twice without a crash).
 * Every attempt is recorded; failures wait baseDelay * 2^(n-1); after maxAttempts it is dead.
 * Notifications of a digest channel due together go out as one message.
 */
@injectable()
export class AlertDelivery {
  constructor(
    @inject(PLATFORM_DATABASE) private readonly database: PlatformDatabase,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(ChannelSecrets) private readonly secrets: ChannelSecrets,
    @inject(CONFIG, { isOptional: true }) private readonly config?: Pick<Config, 'NHI_PUBLIC_URL'>,
  ) {}

  async deliverDue(realmId: string, overrides: Partial<DeliveryOptions> = {}): Promise<DeliveryRound> {
    const options = { ...defaultDeliveryOptions, ...overrides };
    const realmDb = new RealmDb(this.database, realmId);
    const total: DeliveryRound = { delivered: 0, failed: 0, dead: 0 };
    for (;;) {
      const now = this.clock.now();
      const leaseEndsAt = Date.now() + options.leaseSeconds * 1000;
      const claimed = await realmDb.transaction((tx) => claimDue(tx, realmId, now, options));
      if (claimed.length === 0) return total;
      const round = await this.deliverClaimed(realmDb, claimed, options, leaseEndsAt);
      total.delivered += round.delivered;
      total.failed += round.failed;
      total.dead += round.dead;
    }
  }

  /** Sends one notification now, whatever its due time (the "send test" button). */
  async deliverNow(realmId: string, notificationId: string): Promise<SendOutcome> {
    const realmDb = new RealmDb(this.database, realmId);
    const now = this.clock.now();
    const leaseEndsAt = Date.now() + defaultDeliveryOptions.leaseSeconds * 1000;
    const claimed = await realmDb.transaction((tx) =>
      claimDue(tx, realmId, now, defaultDeliveryOptions, notificationId),
    );
    const [notification] = claimed;
    if (!notification) return { ok: false, error: 'The notification is being delivered already' };
    const outcomes = await this.deliverClaimed(realmDb, claimed, defaultDeliveryOptions, leaseEndsAt);
    return outcomes.lastOutcome ?? { ok: false, error: 'Not sent' };
  }

  /** Realms are global rows: read through the system client, by id. */
  private async realmSlugOf(realmId: string): Promise<string | undefined> {
    const realm = await this.database.systemPrisma.realm.findUnique({
      where: { id: realmId },
      select: { slug: true },
    });
    return realm?.slug;
  }

  /** leaseEndsAt: when the claim's lease ends, in this process's time (Date.now()). */
  private async deliverClaimed(
    realmDb: RealmDb,
    claimed: ClaimedNotification[],
    options: DeliveryOptions,
    leaseEndsAt: number,
  ) {
    const channelIds = [...new Set(claimed.map((n) => n.channelId))];
    const channels = await realmDb.transaction((tx) =>
      tx.alertChannel.findMany({
        where: { id: { in: channelIds } },
        select: {
          id: true,
          type: true,
          enabled: true,
          settings: true,
          encryptedSecret: true,
          digestMinutes: true,
        },
      }),
    );
    const byId = new Map(channels.map((c) => [c.id, c]));
    const groups = new Map<string, ClaimedNotification[]>();
    for (const notification of claimed) {
      const channel = byId.get(notification.channelId);
      const digest =
        channel?.digestMinutes != null && notification.kind !== 'test' && !isTracker(channel.type);
      const key = digest ? `${notification.channelId}|${notification.recipient ?? ''}` : notification.id;
      groups.set(key, [...(groups.get(key) ?? []), notification]);
    }
    const round: DeliveryRound & { lastOutcome?: SendOutcome } = { delivered: 0, failed: 0, dead: 0 };
    const pending = [...groups.values()];
    for (const [index, group] of pending.entries()) {
      const [first] = group;
      if (!first) continue;
      if (Date.now() + longestSendMs > leaseEndsAt) {
        // The lease would end mid-send: hand the rest back now; the next claim gives a fresh lease.
        await realmDb.transaction((tx) => releaseClaims(tx, realmDb.realmId, pending.slice(index).flat()));
        break;
      }
      const channel = byId.get(first.channelId);
      const started = Date.now();
      let outcome: SendOutcome;
      if (!channel) outcome = { ok: false, error: 'The channel no longer exists' };
      else if (!channel.enabled) outcome = { ok: false, error: 'The channel is disabled' };
      else if (isTracker(channel.type)) {
        const settings = channel.settings as Record<string, unknown>;
        const secret = channel.encryptedSecret ? await this.secrets.open(channel.encryptedSecret) : null;
        outcome = await deliverTicket(
          realmDb,
          { type: channel.type, settings, secret: openTrackerSecret(secret) },
          first,
          {
            hubUrl: typeof settings.hubUrl === 'string' ? settings.hubUrl : this.config?.NHI_PUBLIC_URL,
            realmSlug: await this.realmSlugOf(realmDb.realmId),
          },
          this.clock.now(),
        );
      } else {
        const settings = channel.settings as Record<string, unknown>;
        const target: ChannelTarget = {
          type: channel.type,
          settings,
          secret: channel.encryptedSecret ? await this.secrets.open(channel.encryptedSecret) : null,
        };
        const kind = group.length > 1 ? 'alert.digest' : first.kind;
        outcome = await send(
          target,
          {
            deliveryId: first.id,
            kind,
            notices: group.map((n) => n.payload),
            // The channel's own address for the hub wins; else the hub's public URL, so links work by default.
            hubUrl: typeof settings.hubUrl === 'string' ? settings.hubUrl : this.config?.NHI_PUBLIC_URL,
            realmSlug: await this.realmSlugOf(realmDb.realmId),
          },
          first.recipient,
          this.clock.now(),
        );
      }
      round.lastOutcome = outcome;
      const durationMs = Date.now() - started;
      const dead = await realmDb.transaction((tx) =>
        recordOutcome(tx, realmDb.realmId, group, outcome, durationMs, this.clock.now(), options),
      );
      if (outcome.ok) round.delivered += group.length;
      else {
        round.failed += group.length;
        round.dead += dead;
      }
    }
    return round;
  }
}

/**
 * Records one send's outcome for its group: the attempts, and each notification delivered, due
 * again after its backoff, or dead. Two statements whatever the size of the group, so the
 * transaction stays short. A notification is updated only while this claim holds it (state and
 * lease unchanged): after a lease ran out and another worker claimed it, that worker's outcome counts.
 * Returns how many of the group are now dead.
 */
async function recordOutcome(
  tx: RealmTx,
  realmId: string,
  group: ClaimedNotification[],
  outcome: SendOutcome,
  durationMs: number,
  now: Date,
  options: DeliveryOptions,
): Promise<number> {
  await tx.alertDeliveryAttempt.createMany({
    data: group.map((n) => ({
      notificationId: n.id,
      attempt: n.attempts + 1,
      ok: outcome.ok,
      status: outcome.status ?? null,
      error: outcome.error ?? null,
      durationMs,
      createdAt: now,
    })),
  });
  const rows = group.map((n): NotificationOutcome => {
    const attempts = n.attempts + 1;
    const dead = !outcome.ok && attempts >= options.maxAttempts;
    const delayMs = options.baseDelaySeconds * 1000 * 2 ** (attempts - 1);
    return {
      id: n.id,
      lease: n.lockedUntil.toISOString(),
      attempts,
      state: outcome.ok ? 'delivered' : dead ? 'dead' : 'pending',
      next: outcome.ok ? null : new Date(now.getTime() + delayMs).toISOString(),
    };
  });
  const error = outcome.ok ? null : (outcome.error ?? 'Failed');
  await recordNotificationOutcomes(tx, realmId, rows, now, error);
  return rows.filter((r) => r.state === 'dead').length;
}
