import { createHash, randomBytes } from 'node:crypto';
import { inject, injectable } from 'tsyringe';
import type { Clock, Principal } from '../context/request-context.ts';
import type { PlatformDatabase } from '../database/platform-database.ts';
import { PLATFORM_DATABASE } from '../database/tokens.ts';
import { CLOCK } from '../di/tokens.ts';
import { ValidationError } from '../errors/domain-errors.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import { HubMailer } from '../mail/hub-mailer.ts';
import { writeAuditEntry } from './audit-entry.ts';
import { normaliseEmail } from './auth.service.ts';
import { minimumPasswordLength } from './generated-password.ts';
import { PasswordHasher } from './password-hasher.ts';

export type PasswordLinkPurpose = 'invite' | 'reset';

/** How long an invitation or reset link works: long enough to survive a weekend. */
export const passwordLinkTtlMs = 72 * 60 * 60 * 1000;
/** The path of the public page that redeems a link; the token follows it. */
export const passwordLinkPath = '/invite/';
/** A user invited and not yet accepted has no password at all: nothing verifies against it. */
export const noPasswordHash = '';
export const maximumPasswordLength = 1024;

/** How an admin's link reaches the user: mailed, or shown once for the admin to pass on. */
export type LinkDelivery = { delivery: 'mailed' } | { delivery: 'link'; link: string; reason: string };

export interface PasswordLinkInfo {
  email: string;
  purpose: PasswordLinkPurpose;
  expiresAt: Date;
}

const invalidLink = 'This link is invalid, used or expired: ask your administrator for a new one';

export function hashLinkToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The password rules for every password a person chooses; issues name the field. */
export function checkPasswordPolicy(password: string, email: string, field = 'password'): void {
  const problem =
    password.length < minimumPasswordLength
      ? `Use at least ${minimumPasswordLength} characters`
      : password.length > maximumPasswordLength
        ? `Use at most ${maximumPasswordLength} characters`
        : password.trim().toLowerCase() === normaliseEmail(email)
          ? 'The password must not be your email address'
          : undefined;
  if (problem) throw new ValidationError('Password not accepted', [{ path: [field], message: problem }]);
}

/** Audit rows about an account go to every realm it belongs to: each realm's admins see them. */
export async function auditInRealmsOf(
  tx: Prisma.TransactionClient,
  userId: string,
  entry: { actor: Principal; action: string; after?: Prisma.InputJsonValue; requestId?: string },
): Promise<void> {
  const memberships = await tx.realmMembership.findMany({ where: { userId }, select: { realmId: true } });
  for (const { realmId } of memberships) {
    await writeAuditEntry(tx, { realmId, entityType: 'User', entityId: userId, ...entry });
  }
}

/**
 * One-time links that let a user set their password (invitations and resets): issued by realm
 * admins, redeemed on a public page. Only the token's hash is stored; a link works once, for
 * 72 hours, and issuing a new one for the same user voids the older ones. System code.
 */
@injectable()
export class PasswordLinks {
  constructor(
    @inject(PLATFORM_DATABASE) private readonly db: PlatformDatabase,
    @inject(PasswordHasher) private readonly passwords: PasswordHasher,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(HubMailer) private readonly mailer: HubMailer,
  ) {}

  /** Writes the link's row with `tx` (the change it belongs to); returns the token, once. */
  async issue(
    tx: Prisma.TransactionClient,
    userId: string,
    purpose: PasswordLinkPurpose,
  ): Promise<{ token: string; expiresAt: Date }> {
    const now = this.clock.now();
    await tx.passwordToken.updateMany({ where: { userId, usedAt: null }, data: { usedAt: now } });
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + passwordLinkTtlMs);
    await tx.passwordToken.create({
      data: { userId, purpose, tokenHash: hashLinkToken(token), expiresAt },
      select: { id: true },
    });
    return { token, expiresAt };
  }

  /**
   * Mails the link when the hub has an SMTP server and knows its public address (a mail needs an
   * absolute link); otherwise, or when sending fails, answers the link for the admin to pass on.
   */
  async deliver(to: string, purpose: PasswordLinkPurpose, token: string): Promise<LinkDelivery> {
    const path = `${passwordLinkPath}${token}`;
    const link = this.mailer.publicLink(path);
    if (!this.mailer.configured || !link) {
      return {
        delivery: 'link',
        link: path,
        reason: 'No mail server is configured (NHI_SMTP_URL, NHI_PUBLIC_URL)',
      };
    }
    const outcome = await this.mailer.send({
      to,
      subject: purpose === 'invite' ? 'You are invited to the NHI Hub' : 'Set a new NHI Hub password',
      text: mailText(purpose, link),
    });
    return outcome === 'sent'
      ? { delivery: 'mailed' }
      : { delivery: 'link', link: path, reason: 'The mail could not be sent' };
  }

  /** What the public page shows before the user chooses a password; does not use the link up. */
  async describe(token: string): Promise<PasswordLinkInfo> {
    const row = await this.db.systemPrisma.passwordToken.findUnique({
      where: { tokenHash: hashLinkToken(token) },
      select: {
        purpose: true,
        expiresAt: true,
        usedAt: true,
        user: { select: { email: true, disabledAt: true } },
      },
    });
    if (!row || row.usedAt || row.user.disabledAt || row.expiresAt <= this.clock.now()) {
      throw new ValidationError(invalidLink);
    }
    return { email: row.user.email, purpose: row.purpose as PasswordLinkPurpose, expiresAt: row.expiresAt };
  }

  /**
   * Sets the password and uses the link up, in one transaction: a second use finds it used. Every
   * session of the user ends (whoever held the old password is out).
   */
  async redeem(token: string, password: string): Promise<{ email: string }> {
    const info = await this.describe(token);
    checkPasswordPolicy(password, info.email);
    const passwordHash = await this.passwords.hash(password);
    const now = this.clock.now();
    return this.db.systemPrisma.$transaction(async (tx) => {
      const row = await tx.passwordToken.findUnique({
        where: { tokenHash: hashLinkToken(token) },
        select: { id: true, userId: true, purpose: true },
      });
      const claimed = row
        ? await tx.passwordToken.updateMany({
            where: { id: row.id, usedAt: null, expiresAt: { gt: now } },
            data: { usedAt: now },
          })
        : { count: 0 };
      if (!row || claimed.count !== 1) throw new ValidationError(invalidLink);
      const user = await tx.user.update({
        where: { id: row.userId },
        data: { passwordHash },
        select: { id: true, email: true },
      });
      await tx.session.updateMany({ where: { userId: user.id, revokedAt: null }, data: { revokedAt: now } });
      await auditInRealmsOf(tx, user.id, {
        actor: { kind: 'user', userId: user.id, email: user.email, sessionId: 'none' },
        action: 'user.password_changed',
        after: { via: row.purpose === 'invite' ? 'invitation' : 'reset link' },
      });
      return { email: user.email };
    });
  }
}

function mailText(purpose: PasswordLinkPurpose, link: string): string {
  const opening =
    purpose === 'invite'
      ? 'You have been invited to the NHI Hub. Choose a password to activate your account:'
      : 'A new password was requested for your NHI Hub account. Choose one here:';
  return `${opening}\n\n${link}\n\nThe link works once and expires in 72 hours.\n`;
}
