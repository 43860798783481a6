import { inject, injectable } from 'tsyringe';
import { z } from 'zod';
import type { Principal } from '../context/request-context.ts';
import type { PlatformDatabase } from '../database/platform-database.ts';
import { PLATFORM_DATABASE } from '../database/tokens.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors/domain-errors.ts';
import { writeAuditEntry } from './audit-entry.ts';
import { normaliseEmail, type RealmSummary } from './auth.service.ts';
import { generatePassword, minimumPasswordLength } from './generated-password.ts';
import { PasswordHasher } from './password-hasher.ts';
import type { BuiltInRole } from './permissions.ts';
import { insertMembership, insertRealm, insertUser, isUniqueViolation } from './realm-admin-writes.ts';

export interface CreatedMember {
  user: { id: string; email: string };
  realm: RealmSummary;
  role: BuiltInRole;
  /** False when the user already existed and was only added to the realm (password unchanged). */
  userCreated: boolean;
  /** The password chosen for a new user when none was given: shown once, stored only hashed. */
  generatedPassword?: string;
}

interface NewUser {
  email: string;
  passwordHash: string;
  generatedPassword: string | undefined;
}

const emailShape = z.string().email();
const operator: Principal = { kind: 'system', name: 'realm-admin' };

/**
 * Cross-realm administration for the CLI and first start: creates realms, users and
 * memberships. System code (unscoped client); every change writes its audit row in the same
 * transaction.
 */
@injectable()
export class RealmAdminService {
  constructor(
    @inject(PLATFORM_DATABASE) private readonly db: PlatformDatabase,
    @inject(PasswordHasher) private readonly passwords: PasswordHasher,
  ) {}

  async createRealm(
    input: { slug: string; name: string },
    actor: Principal = operator,
  ): Promise<RealmSummary> {
    try {
      return await this.db.systemPrisma.$transaction((tx) => insertRealm(tx, input, actor));
    } catch (error) {
      if (isUniqueViolation(error))
        throw new ConflictError(`A realm with slug "${input.slug}" already exists`);
      throw error;
    }
  }

  /** Creates the user, or adds an existing user to the realm, with the given role. */
  async createUser(
    input: { email: string; realmSlug: string; role: BuiltInRole; password?: string },
    actor: Principal = operator,
  ): Promise<CreatedMember> {
    const email = normaliseEmail(input.email);
    if (!emailShape.safeParse(email).success) {
      throw new ValidationError('Invalid email address', [
        { path: ['email'], message: 'Not an email address' },
      ]);
    }
    if (input.password !== undefined && input.password.length < minimumPasswordLength) {
      throw new ValidationError('Password too short', [
        { path: ['password'], message: `Use at least ${minimumPasswordLength} characters` },
      ]);
    }
    const realm = await this.realmBySlug(input.realmSlug);
    const existing = await this.db.systemPrisma.user.findUnique({
      where: { email },
      select: { id: true, email: true },
    });
    // Hashing is slow: done before the transaction, which then only writes.
    const subject = existing
      ? ({ kind: 'existing', user: existing } as const)
      : ({ kind: 'new', user: await this.newUser(email, input.password) } as const);

    try {
      const user = await this.db.systemPrisma.$transaction(async (tx) => {
        const member =
          subject.kind === 'existing' ? subject.user : await insertUser(tx, subject.user, realm.id, actor);
        await insertMembership(tx, { realmId: realm.id, userId: member.id, role: input.role }, actor);
        return member;
      });
      const generatedPassword = subject.kind === 'new' ? subject.user.generatedPassword : undefined;
      return {
        user,
        realm,
        role: input.role,
        userCreated: !existing,
        ...(generatedPassword ? { generatedPassword } : {}),
      };
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictError(`${email} is already a member of realm ${realm.slug}`, { realm: realm.slug });
      }
      throw error;
    }
  }

  async setRole(
    input: { email: string; realmSlug: string; role: BuiltInRole },
    actor: Principal = operator,
  ): Promise<{ before: BuiltInRole; after: BuiltInRole }> {
    const email = normaliseEmail(input.email);
    const realm = await this.realmBySlug(input.realmSlug);
    return this.db.systemPrisma.$transaction(async (tx) => {
      const membership = await tx.realmMembership.findFirst({
        where: { realmId: realm.id, user: { email } },
        select: { userId: true, role: true },
      });
      if (!membership) throw new NotFoundError('Membership', `${email} in ${realm.slug}`);
      await tx.realmMembership.update({
        where: { realmId_userId: { realmId: realm.id, userId: membership.userId } },
        data: { role: input.role },
        select: { role: true },
      });
      await writeAuditEntry(tx, {
        realmId: realm.id,
        actor,
        action: 'member.set_role',
        entityType: 'RealmMembership',
        entityId: membership.userId,
        before: { role: membership.role },
        after: { role: input.role },
      });
      return { before: membership.role, after: input.role };
    });
  }

  /** A member of a realm by email, for system code that acts on a user's behalf (the CLI). */
  async findMember(email: string, realmSlug: string): Promise<{ userId: string; realm: RealmSummary }> {
    const realm = await this.realmBySlug(realmSlug);
    const membership = await this.db.systemPrisma.realmMembership.findFirst({
      where: { realmId: realm.id, user: { email: normaliseEmail(email) } },
      select: { userId: true },
    });
    if (!membership) throw new NotFoundError('Membership', `${normaliseEmail(email)} in ${realm.slug}`);
    return { userId: membership.userId, realm };
  }

  private async newUser(email: string, password: string | undefined): Promise<NewUser> {
    const generatedPassword = password === undefined ? generatePassword() : undefined;
    const passwordHash = await this.passwords.hash(password ?? (generatedPassword as string));
    return { email, passwordHash, generatedPassword };
  }

  private async realmBySlug(slug: string): Promise<RealmSummary> {
    const realm = await this.db.systemPrisma.realm.findUnique({
      where: { slug },
      select: { id: true, slug: true, name: true },
    });
    if (!realm) throw new NotFoundError('Realm', slug);
    return realm;
  }
}
