import {
  CLOCK,
  type Clock,
  PLATFORM_DATABASE,
  type PlatformDatabase,
  RealmDb,
  type RealmTx,
} from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import type { AlertNotice } from './alert-message.ts';
import { type ChannelTarget, type SendOutcome, send } from './alert-senders.ts';
import { ChannelSecrets } from './channel-secrets.ts';

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

interface Claimed {
  id: string;
  channelId: string;
  kind: string;
  payload: AlertNotice;
  recipient: string | null;
  attempts: number;
}

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
  ) {}

  async deliverDue(realmId: string, overrides: Partial<DeliveryOptions> = {}): Promise<DeliveryRound> {
    const options = { ...defaultDeliveryOptions, ...overrides };
    const realmDb = new RealmDb(this.database, realmId);
    const total: DeliveryRound = { delivered: 0, failed: 0, dead: 0 };
    for (;;) {
      const now = this.clock.now();
      const claimed = await realmDb.transaction((tx) => claimDue(tx, realmId, now, options));
      if (claimed.length === 0) return total;
      const round = await this.deliverClaimed(realmDb, claimed, options);
      total.delivered += round.delivered;
      total.failed += round.failed;
      total.dead += round.dead;
    }
  }

  /** Sends one notification now, whatever its due time (the "send test" button). */
  async deliverNow(realmId: string, notificationId: string): Promise<SendOutcome> {
    const realmDb = new RealmDb(this.database, realmId);
    const now = this.clock.now();
    const claimed = await realmDb.transaction((tx) =>
      claimDue(tx, realmId, now, defaultDeliveryOptions, notificationId),
    );
    const [notification] = claimed;
    if (!notification) return { ok: false, error: 'The notification is being delivered already' };
    const outcomes = await this.deliverClaimed(realmDb, claimed, defaultDeliveryOptions);
    return outcomes.lastOutcome ?? { ok: false, error: 'Not sent' };
  }

  private async deliverClaimed(realmDb: RealmDb, claimed: Claimed[], options: DeliveryOptions) {
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
    const groups = new Map<string, Claimed[]>();
    for (const notification of claimed) {
      const channel = byId.get(notification.channelId);
      const digest = channel?.digestMinutes != null && notification.kind !== 'test';
      const key = digest ? `${notification.channelId}|${notification.recipient ?? ''}` : notification.id;
      groups.set(key, [...(groups.get(key) ?? []), notification]);
    }
    const round: DeliveryRound & { lastOutcome?: SendOutcome } = { delivered: 0, failed: 0, dead: 0 };
    for (const group of groups.values()) {
      const [first] = group;
      if (!first) continue;
      const channel = byId.get(first.channelId);
      const started = Date.now();
      let outcome: SendOutcome;
      if (!channel) outcome = { ok: false, error: 'The channel no longer exists' };
      else if (!channel.enabled) outcome = { ok: false, error: 'The channel is disabled' };
      else {
        const settings = channel.settings as Record<string, unknown>;
        const target: ChannelTarget = {
          type: channel.type,
          settings,
          secret: channel.encryptedSecret ? await this.secrets.decrypt(channel.encryptedSecret) : null,
        };
        const kind = group.length > 1 ? 'alert.digest' : first.kind;
        outcome = await send(
          target,
          {
            deliveryId: first.id,
            kind,
            notices: group.map((n) => n.payload),
            hubUrl: typeof settings.hubUrl === 'string' ? settings.hubUrl : undefined,
          },
          first.recipient,
          this.clock.now(),
        );
      }
      round.lastOutcome = outcome;
      const durationMs = Date.now() - started;
      const dead = await realmDb.transaction((tx) =>
        recordOutcome(tx, group, outcome, durationMs, this.clock.now(), options),
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

async function claimDue(
  tx: RealmTx,
  realmId: string,
  now: Date,
  options: DeliveryOptions,
  onlyId?: string,
): Promise<Claimed[]> {
  const at = now.toISOString();
  const only = onlyId ?? null;
  return tx.$queryRaw<Claimed[]>`
    UPDATE "AlertNotification" AS n
    SET state = 'sending', "lockedUntil" = ${at}::timestamp + make_interval(secs => ${options.leaseSeconds}::int)
    WHERE n.id IN (
      SELECT c.id FROM "AlertNotification" AS c
      WHERE c."realmId" = ${realmId}
        AND (${only}::text IS NULL OR c.id = ${only}::text)
        AND ((c.state = 'pending' AND (c."nextAttemptAt" <= ${at}::timestamp OR ${only}::text IS NOT NULL))
          OR (c.state = 'sending' AND c."lockedUntil" <= ${at}::timestamp))
      ORDER BY c."nextAttemptAt", c.id
      LIMIT ${options.batchSize}::int
      FOR UPDATE SKIP LOCKED
    )
    RETURNING n.id, n."channelId", n.kind, n.payload, n.recipient, n.attempts`;
}

/** Returns how many of the group are now dead. */
async function recordOutcome(
  tx: RealmTx,
  group: Claimed[],
  outcome: SendOutcome,
  durationMs: number,
  now: Date,
  options: DeliveryOptions,
): Promise<number> {
  let dead = 0;
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
  for (const n of group) {
    const attempts = n.attempts + 1;
    if (outcome.ok) {
      await tx.alertNotification.updateMany({
        where: { id: n.id, state: 'sending' },
        data: { state: 'delivered', attempts, deliveredAt: now, lockedUntil: null, lastError: null },
      });
      continue;
    }
    const giveUp = attempts >= options.maxAttempts;
    if (giveUp) dead += 1;
    const delayMs = options.baseDelaySeconds * 1000 * 2 ** (attempts - 1);
    await tx.alertNotification.updateMany({
      where: { id: n.id, state: 'sending' },
      data: {
        state: giveUp ? 'dead' : 'pending',
        attempts,
        lockedUntil: null,
        lastError: outcome.error ?? 'Failed',
        nextAttemptAt: new Date(now.getTime() + delayMs),
      },
    });
  }
  return dead;
}
