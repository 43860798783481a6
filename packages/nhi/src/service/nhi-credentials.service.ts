import {
  ConflictError,
  type Coverage,
  coveredOwnerWhere,
  NotFoundError,
  parseInput,
  REALM_DB,
  REQUEST_CONTEXT,
  REQUEST_PERMISSIONS,
  type RealmDb,
  type RealmTx,
  type RequestContext,
  type RequestPermissions,
  SecretFingerprints,
  ValidationError,
} from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import {
  type AddCredentialInput,
  addCredentialInput,
  type RotateCredentialInput,
  rotateCredentialInput,
} from '../api/nhi.schema.ts';
import { refreshCredentialSummary } from '../sql/nhi-credential-summary.sql.ts';
import { type JsonValue, recordCredentialChange } from './nhi-change-log.ts';
import type { NhiCredential } from './nhi-detail.ts';
import { credentialSelect } from './nhi-detail-select.ts';
import { aboutCoveredNhi } from './nhi-owner.ts';

/**
 * Credentials of the realm's identities. A submitted secret is turned into a fingerprint and a
 * hint before anything else happens and goes no further: not into the database, the audit trail,
 * logs, errors or answers. Every change refreshes the identity's credential columns. A credential
 * of an identity the caller's `nhi:write` does not cover is NOT_FOUND (ADR 0040).
 */
@injectable()
export class NhiCredentialService {
  constructor(
    @inject(REQUEST_CONTEXT) private readonly context: RequestContext,
    @inject(REALM_DB) private readonly realmDb: RealmDb,
    @inject(SecretFingerprints) private readonly fingerprints: SecretFingerprints,
    @inject(REQUEST_PERMISSIONS) private readonly permissions: RequestPermissions,
  ) {}

  /** The identities whose credentials the caller may change. */
  private writableCoverage() {
    return this.permissions.coverage('nhi:write');
  }

  async add(input: AddCredentialInput): Promise<NhiCredential> {
    const { secret, fingerprint, hint, ...fields } = parseInput(addCredentialInput, input, 'credential');
    if (secret !== undefined && fingerprint !== undefined) {
      throw new ValidationError('Give the secret or its fingerprint, not both', [
        { path: ['fingerprint'], message: 'Not with a secret' },
      ]);
    }
    // Outside the transaction: the key may be read through the system client, which must not
    // run while a realm transaction holds PGlite's only connection.
    const identity =
      secret === undefined
        ? { fingerprint: fingerprint ?? null, hint: hint ?? null }
        : await this.identify(secret);
    const now = this.context.clock.now();
    return this.realmDb.transaction(async (tx) => {
      const nhi = await tx.nhi.findFirst({
        where: { id: fields.nhiId, ...coveredOwnerWhere(this.writableCoverage()) },
        select: { id: true, deletedAt: true },
      });
      if (!nhi) throw new NotFoundError('Nhi', fields.nhiId);
      if (nhi.deletedAt) throw new ConflictError('The NHI is deleted: restore it first', { id: nhi.id });
      const credential = await tx.credential.create({
        data: {
          nhiId: nhi.id,
          kind: fields.kind,
          ...identity,
          status: fields.status,
          providerCreatedAt: fields.providerCreatedAt ?? null,
          lastRotatedAt: fields.lastRotatedAt ?? null,
          expiresAt: fields.expiresAt ?? null,
          lastUsedAt: fields.lastUsedAt ?? null,
          createdAt: now,
          updatedAt: now,
        },
        select: credentialSelect,
      });
      await refreshCredentialSummary(tx, [nhi.id]);
      await recordCredentialChange(tx, this.context, {
        credentialId: credential.id,
        nhiId: nhi.id,
        action: 'nhi.credential.add',
        after: auditFacts(credential),
      });
      return credential;
    });
  }

  /**
   * Records a rotation: when it happened (now unless told) and, when the new secret is given, its
   * fingerprint and hint. A revoked credential is not rotated: add a new one.
   */
  async rotate(input: RotateCredentialInput): Promise<NhiCredential> {
    const { credentialId, secret, rotatedAt, expiresAt } = parseInput(
      rotateCredentialInput,
      input,
      'credential rotation',
    );
    const identity = secret === undefined ? {} : await this.identify(secret);
    const now = this.context.clock.now();
    return this.realmDb.transaction(async (tx) => {
      const before = await this.liveCredential(tx, credentialId);
      if (before.status === 'revoked') {
        throw new ConflictError('A revoked credential cannot be rotated: add a new one', {
          id: credentialId,
        });
      }
      const credential = await tx.credential.update({
        where: { id: credentialId },
        data: {
          ...identity,
          lastRotatedAt: rotatedAt ?? now,
          ...(expiresAt !== undefined ? { expiresAt } : {}),
          updatedAt: now,
        },
        select: credentialSelect,
      });
      await refreshCredentialSummary(tx, [before.nhiId]);
      await recordCredentialChange(tx, this.context, {
        credentialId,
        nhiId: before.nhiId,
        action: 'nhi.credential.rotate',
        before: auditFacts(before),
        after: auditFacts(credential),
      });
      return credential;
    });
  }

  /** Revoking a revoked credential changes nothing. */
  async revoke(credentialId: string): Promise<NhiCredential> {
    return this.changeStatus(credentialId, 'revoked', this.writableCoverage());
  }

  /**
   * Records what a remediation action did at the provider: the credential deactivated there
   * (`inactive`) or deleted (`revoked`). The coverage is that of the permission which allowed the
   * action, so a member who may remediate an identity need not also edit the inventory.
   */
  async recordProviderStatus(
    credentialId: string,
    status: 'inactive' | 'revoked',
    coverage: Coverage,
  ): Promise<NhiCredential> {
    return this.changeStatus(credentialId, status, coverage);
  }

  private async changeStatus(
    credentialId: string,
    status: 'inactive' | 'revoked',
    coverage: Coverage,
  ): Promise<NhiCredential> {
    const now = this.context.clock.now();
    return this.realmDb.transaction(async (tx) => {
      const before = await this.liveCredential(tx, credentialId, coverage);
      // A revoked credential stays revoked; one already in the state asked for is left as it is.
      if (before.status === 'revoked' || before.status === status) {
        const { nhiId: _nhiId, ...unchanged } = before;
        return unchanged;
      }
      const credential = await tx.credential.update({
        where: { id: credentialId },
        data: { status, updatedAt: now },
        select: credentialSelect,
      });
      await refreshCredentialSummary(tx, [before.nhiId]);
      await recordCredentialChange(tx, this.context, {
        credentialId,
        nhiId: before.nhiId,
        action: status === 'revoked' ? 'nhi.credential.revoke' : 'nhi.credential.deactivate',
        before: auditFacts(before),
        after: auditFacts(credential),
      });
      return credential;
    });
  }

  private async identify(secret: string): Promise<{ fingerprint: string; hint: string | null }> {
    return {
      fingerprint: await this.fingerprints.fingerprint(secret),
      hint: this.fingerprints.hintOf(secret),
    };
  }

  /** A credential of an identity that is not deleted. */
  private async liveCredential(tx: RealmTx, credentialId: string, coverage = this.writableCoverage()) {
    const credential = await tx.credential.findFirst({
      where: { id: credentialId, ...aboutCoveredNhi(coverage) },
      select: { ...credentialSelect, nhiId: true, nhi: { select: { deletedAt: true } } },
    });
    if (!credential) throw new NotFoundError('Credential', credentialId);
    const { nhi, ...rest } = credential;
    if (nhi.deletedAt) throw new ConflictError('The NHI is deleted: restore it first', { id: rest.nhiId });
    return rest;
  }
}

/** What the audit trail keeps of a credential: facts, never the secret. */
function auditFacts(credential: NhiCredential): Record<string, JsonValue> {
  return {
    kind: credential.kind,
    fingerprint: credential.fingerprint,
    hint: credential.hint,
    status: credential.status,
    lastRotatedAt: credential.lastRotatedAt?.toISOString() ?? null,
    expiresAt: credential.expiresAt?.toISOString() ?? null,
  };
}
