import { inject, injectable } from 'tsyringe';
import type { Clock, Principal } from '../../context/request-context.ts';
import type { PlatformDatabase } from '../../database/platform-database.ts';
import { PLATFORM_DATABASE } from '../../database/tokens.ts';
import { CLOCK, LOGGER } from '../../di/tokens.ts';
import {
  AuthenticationError,
  ConflictError,
  NotFoundError,
  ValidationError,
} from '../../errors/domain-errors.ts';
import type { Logger } from '../../logging/logger.ts';
import { writeAuditEntry } from '../audit-entry.ts';
import { AuthService, type LoginResult, normaliseEmail } from '../auth.service.ts';
import { LoginThrottle } from '../login-throttle.ts';
import { PasswordHasher } from '../password-hasher.ts';
import { type ChallengePurpose, MfaChallenges } from './mfa-challenges.ts';
import { MfaSecrets } from './mfa-secrets.ts';
import { hashRecoveryCode, newRecoveryCode, recoveryCodeCount } from './recovery-codes.ts';
import { acceptedStep, newTotpSecret, totpUri } from './totp.ts';

export interface MfaStatus {
  enabled: boolean;
  enabledAt: Date | null;
  recoveryCodesLeft: number;
  /** Slugs of the user's realms that require a second factor. */
  requiredBy: string[];
}

/** What an authenticator app needs: shown once, while enrolment waits for its first code. */
export interface TotpEnrolment {
  secret: string;
  uri: string;
}

/** A second factor proven at login: a code from the app, or one of the recovery codes. */
export interface SecondFactorProof {
  code?: string;
  recoveryCode?: string;
}

/** Whoever changes a second factor, and the realm whose audit trail records it. */
export interface MfaActor {
  principal: Principal & { userId: string; email: string };
  realmId: string;
  requestId?: string;
}

const wrongCode = 'Wrong or already used code';
const wrongPassword = 'Wrong password';
const notEnrolling = 'Start the set-up again: no second factor is waiting for its first code';
const totpIssuer = 'NHI Hub';

interface UserFactor {
  id: string;
  email: string;
  passwordHash: string;
  totpSecret: string | null;
  totpEnabledAt: Date | null;
  totpLastStep: number | null;
  disabledAt: Date | null;
}

const userFactorSelect = {
  id: true,
  email: true,
  passwordHash: true,
  totpSecret: true,
  totpEnabledAt: true,
  totpLastStep: true,
  disabledAt: true,
} as const;

/**
 * TOTP second factor of password logins (ADR 0034): enrolment and removal by the user, and the
 * second step of a login. The user table is global: system work, outside any realm; audit rows
 * go to the realm of the session (or of the login) where the change happened.
 */
@injectable()
export class MfaService {
  constructor(
    @inject(PLATFORM_DATABASE) private readonly db: PlatformDatabase,
    @inject(PasswordHasher) private readonly passwords: PasswordHasher,
    @inject(LoginThrottle) private readonly throttle: LoginThrottle,
    @inject(AuthService) private readonly auth: AuthService,
    @inject(MfaChallenges) private readonly challenges: MfaChallenges,
    @inject(MfaSecrets) private readonly secrets: MfaSecrets,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(LOGGER) private readonly logger: Logger,
  ) {}

  async status(userId: string): Promise<MfaStatus> {
    const user = await this.user(userId);
    const [recoveryCodesLeft, requiring] = await Promise.all([
      this.db.systemPrisma.mfaRecoveryCode.count({ where: { userId, usedAt: null } }),
      this.db.systemPrisma.realm.findMany({
        where: { mfaRequired: true, memberships: { some: { userId } } },
        select: { slug: true },
        orderBy: { slug: 'asc' },
      }),
    ]);
    const enabled = user.totpEnabledAt !== null;
    return {
      enabled,
      enabledAt: user.totpEnabledAt,
      recoveryCodesLeft: enabled ? recoveryCodesLeft : 0,
      requiredBy: requiring.map((realm) => realm.slug),
    };
  }

  /** Logged in, with the current password: a new secret waits for its first code. */
  async beginEnrolment(userId: string, password: string): Promise<TotpEnrolment> {
    const user = await this.user(userId);
    if (!(await this.passwords.verify(user.passwordHash, password))) throw new ValidationError(wrongPassword);
    return this.pending(user);
  }

  /** The first code turns the waiting secret on; the answer holds the recovery codes, shown once. */
  async confirmEnrolment(actor: MfaActor, code: string): Promise<{ recoveryCodes: string[] }> {
    const user = await this.user(actor.principal.userId);
    return { recoveryCodes: await this.enable(user, code, actor) };
  }

  /** Removal needs the password and a code (or a recovery code): a session alone is not enough. */
  async disable(actor: MfaActor, password: string, proof: SecondFactorProof): Promise<void> {
    const user = await this.user(actor.principal.userId);
    if (!user.totpEnabledAt) throw new ConflictError('No second factor is set up');
    if (!(await this.passwords.verify(user.passwordHash, password))) throw new ValidationError(wrongPassword);
    if (!(await this.proven(user, proof, actor))) throw new ValidationError(wrongCode);
    await this.db.systemPrisma.$transaction(async (tx) => {
      await tx.user.update({
        where: { id: user.id },
        data: { totpSecret: null, totpEnabledAt: null, totpLastStep: null },
        select: { id: true },
      });
      await tx.mfaRecoveryCode.deleteMany({ where: { userId: user.id } });
      await writeAuditEntry(tx, this.auditOf(actor, 'mfa.disabled'));
    });
    this.logger.info({ event: 'mfa_disabled', userId: user.id }, 'second factor removed');
  }

  /**
   * For whoever runs the CLI against the database: a user who lost both the app and the recovery
   * codes (the break-glass admin included) gets back to logging in with the password alone, and
   * each realm of theirs records it. False when the user had no second factor.
   */
  async resetByOperator(email: string, operator: string): Promise<boolean> {
    const user = await this.db.systemPrisma.user.findUnique({
      where: { email: normaliseEmail(email) },
      select: { id: true, totpSecret: true, memberships: { select: { realmId: true } } },
    });
    if (!user) throw new NotFoundError('User', email);
    if (!user.totpSecret) return false;
    await this.db.systemPrisma.$transaction(async (tx) => {
      await tx.user.update({
        where: { id: user.id },
        data: { totpSecret: null, totpEnabledAt: null, totpLastStep: null },
        select: { id: true },
      });
      await tx.mfaRecoveryCode.deleteMany({ where: { userId: user.id } });
      for (const { realmId } of user.memberships) {
        await writeAuditEntry(tx, {
          realmId,
          actor: { kind: 'system', name: operator },
          action: 'mfa.disabled',
          entityType: 'User',
          entityId: user.id,
          after: { method: 'totp', reset: true },
        });
      }
    });
    this.logger.info({ event: 'mfa_reset', userId: user.id }, 'second factor reset by an operator');
    return true;
  }

  /**
   * The second step of a login: the challenge from the password step and a code. Wrong codes
   * count in the login throttle of the account, like wrong passwords; a right one clears it.
   */
  async completeLogin(input: { challenge: string; ip: string } & SecondFactorProof): Promise<LoginResult> {
    const user = await this.loginUser(input.challenge, 'verify');
    await this.throttle.assertAllowed(user.email, input.ip);
    const proven = user.totpEnabledAt ? await this.provenAtLogin(user, input) : undefined;
    if (!proven) {
      await this.throttle.recordFailure(user.email, input.ip);
      this.logger.info({ event: 'mfa_failed', ip: input.ip }, 'second factor refused');
      throw new AuthenticationError(wrongCode);
    }
    await this.throttle.recordSuccess(user.email, input.ip);
    const session = await this.auth.startSession(user, { method: `password+${proven}` });
    if (proven === 'recovery') await this.auditRecoveryCodeUsed(user, session.realm.id);
    return session;
  }

  /** A member of a realm that requires TOTP, between password and session: a secret to enrol. */
  async beginEnrolmentAtLogin(challenge: string): Promise<TotpEnrolment> {
    const user = await this.loginUser(challenge, 'enrol');
    if (user.totpEnabledAt) throw new ConflictError('A second factor is already set up: log in again');
    return this.pending(user);
  }

  /** Its first code enables TOTP and opens the session; the recovery codes come with it, once. */
  async confirmEnrolmentAtLogin(input: {
    challenge: string;
    code: string;
    ip: string;
  }): Promise<{ recoveryCodes: string[]; session: LoginResult }> {
    const user = await this.loginUser(input.challenge, 'enrol');
    await this.throttle.assertAllowed(user.email, input.ip);
    let recoveryCodes: string[];
    try {
      // The session's realm is not known yet: the enrolment is audited with the login below.
      recoveryCodes = await this.enable(user, input.code, undefined);
    } catch (error) {
      if (error instanceof ValidationError) await this.throttle.recordFailure(user.email, input.ip);
      throw error;
    }
    await this.throttle.recordSuccess(user.email, input.ip);
    const session = await this.auth.startSession(user, { method: 'password+totp' });
    await writeAuditEntry(
      this.db.systemPrisma,
      this.auditOf(
        {
          principal: { kind: 'user', userId: user.id, email: user.email, sessionId: '' },
          realmId: session.realm.id,
        },
        'mfa.enabled',
      ),
    );
    return { recoveryCodes, session };
  }

  /**
   * Whether members of the actor's realm must have TOTP to log in with a password. Set by the
   * realm's admins; identity-provider logins are unaffected (the provider does MFA).
   */
  async setRealmRequirement(actor: MfaActor, required: boolean): Promise<{ required: boolean }> {
    await this.db.systemPrisma.$transaction(async (tx) => {
      const before = await tx.realm.findUniqueOrThrow({
        where: { id: actor.realmId },
        select: { mfaRequired: true },
      });
      if (before.mfaRequired === required) return;
      await tx.realm.update({
        where: { id: actor.realmId },
        data: { mfaRequired: required },
        select: { id: true },
      });
      await writeAuditEntry(tx, {
        realmId: actor.realmId,
        actor: actor.principal,
        action: 'mfa.realm_requirement',
        entityType: 'Realm',
        entityId: actor.realmId,
        before: { mfaRequired: before.mfaRequired },
        after: { mfaRequired: required },
        ...(actor.requestId ? { requestId: actor.requestId } : {}),
      });
    });
    return { required };
  }

  async realmRequirement(realmId: string): Promise<{ required: boolean }> {
    const realm = await this.db.systemPrisma.realm.findUniqueOrThrow({
      where: { id: realmId },
      select: { mfaRequired: true },
    });
    return { required: realm.mfaRequired };
  }

  private async pending(user: UserFactor): Promise<TotpEnrolment> {
    if (user.totpEnabledAt) throw new ConflictError('A second factor is already set up: remove it first');
    const secret = newTotpSecret();
    await this.db.systemPrisma.user.update({
      where: { id: user.id },
      data: { totpSecret: await this.secrets.seal(secret), totpLastStep: null },
      select: { id: true },
    });
    return { secret, uri: totpUri(secret, totpIssuer, user.email) };
  }

  private async enable(user: UserFactor, code: string, actor: MfaActor | undefined): Promise<string[]> {
    if (user.totpEnabledAt) throw new ConflictError('A second factor is already set up');
    if (!user.totpSecret) throw new ConflictError(notEnrolling);
    const now = this.clock.now();
    const step = await acceptedStep(await this.secrets.open(user.totpSecret), code, now, null);
    if (step === undefined) throw new ValidationError(wrongCode);
    const recoveryCodes = Array.from({ length: recoveryCodeCount }, newRecoveryCode);
    await this.db.systemPrisma.$transaction(async (tx) => {
      // Conditional on the secret the code was checked against: a concurrent restart loses.
      const enabled = await tx.user.updateMany({
        where: { id: user.id, totpSecret: user.totpSecret, totpEnabledAt: null },
        data: { totpEnabledAt: now, totpLastStep: step },
      });
      if (enabled.count !== 1) throw new ConflictError(notEnrolling);
      await tx.mfaRecoveryCode.deleteMany({ where: { userId: user.id } });
      await tx.mfaRecoveryCode.createMany({
        data: recoveryCodes.map((code) => ({
          userId: user.id,
          codeHash: hashRecoveryCode(code),
          createdAt: now,
        })),
      });
      if (actor) await writeAuditEntry(tx, this.auditOf(actor, 'mfa.enabled'));
    });
    this.logger.info({ event: 'mfa_enabled', userId: user.id }, 'second factor set up');
    return recoveryCodes;
  }

  /** For removal: a recovery code spent here is audited in the session's realm. */
  private async proven(user: UserFactor, proof: SecondFactorProof, actor: MfaActor): Promise<boolean> {
    const proven = await this.provenAtLogin(user, proof);
    if (proven === 'recovery')
      await writeAuditEntry(this.db.systemPrisma, this.auditOf(actor, 'mfa.recovery_code_used'));
    return proven !== undefined;
  }

  /** Which proof held: a TOTP code of a step after the last accepted one, or an unused recovery code. */
  private async provenAtLogin(
    user: UserFactor,
    proof: SecondFactorProof,
  ): Promise<'totp' | 'recovery' | undefined> {
    if (proof.recoveryCode) {
      const used = await this.db.systemPrisma.mfaRecoveryCode.updateMany({
        where: { userId: user.id, codeHash: hashRecoveryCode(proof.recoveryCode), usedAt: null },
        data: { usedAt: this.clock.now() },
      });
      return used.count === 1 ? 'recovery' : undefined;
    }
    if (!proof.code || !user.totpSecret) return undefined;
    const secret = await this.secrets.open(user.totpSecret);
    const step = await acceptedStep(secret, proof.code, this.clock.now(), user.totpLastStep);
    if (step === undefined) return undefined;
    // Conditional on the last step: two requests with the same code cannot both pass.
    const claimed = await this.db.systemPrisma.user.updateMany({
      where: { id: user.id, OR: [{ totpLastStep: null }, { totpLastStep: { lt: step } }] },
      data: { totpLastStep: step },
    });
    return claimed.count === 1 ? 'totp' : undefined;
  }

  private async auditRecoveryCodeUsed(user: UserFactor, realmId: string): Promise<void> {
    const left = await this.db.systemPrisma.mfaRecoveryCode.count({
      where: { userId: user.id, usedAt: null },
    });
    await writeAuditEntry(this.db.systemPrisma, {
      ...this.auditOf(
        { principal: { kind: 'user', userId: user.id, email: user.email, sessionId: '' }, realmId },
        'mfa.recovery_code_used',
      ),
      after: { recoveryCodesLeft: left },
    });
  }

  private auditOf(actor: MfaActor, action: string) {
    return {
      realmId: actor.realmId,
      actor: actor.principal,
      action,
      entityType: 'User',
      entityId: actor.principal.userId,
      after: { method: 'totp' },
      ...(actor.requestId ? { requestId: actor.requestId } : {}),
    };
  }

  /** The user a login challenge was issued to, unless disabled since the password step. */
  private async loginUser(challenge: string, purpose: ChallengePurpose): Promise<UserFactor> {
    const user = await this.user(await this.challenges.verify(challenge, purpose));
    if (user.disabledAt) throw new AuthenticationError('This account is disabled');
    return user;
  }

  private async user(userId: string): Promise<UserFactor> {
    const user = await this.db.systemPrisma.user.findUnique({
      where: { id: userId },
      select: userFactorSelect,
    });
    if (!user) throw new AuthenticationError();
    return user;
  }
}
