import { NhiService } from '@nhi/nhi';
import {
  ConflictError,
  type Coverage,
  coveredOwnerWhere,
  coversOwner,
  DomainError,
  NotFoundError,
  PLATFORM_DATABASE,
  type PlatformDatabase,
  type Principal,
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
  writeAuditEntry,
} from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import { ScannerService } from '../../service/scanner.service.ts';
import { ScannerSecrets } from '../../service/scanner-secrets.ts';
import {
  type ListRemediationsInput,
  listRemediationsInput,
  type RejectRemediationInput,
  type RemediationActionKey,
  type RemediationAvailability,
  type RemediationPlan,
  type RemediationPlanInput,
  type RemediationSettings,
  type RemediationSettingsInput,
  type RemediationState,
  type RemediationView,
  rejectRemediationInput,
  remediationPlanInput,
  remediationSettingsInput,
} from '../api/remediation.schema.ts';
import { lockIdentityForRemediation } from '../sql/remediation-locks.sql.ts';
import { remediationActionOf, remediationActions } from './actions/index.ts';
import {
  type ActionChoice,
  type ActionOffer,
  type OfferingSource,
  type ProviderAccess,
  type ProviderAnswer,
  ProviderRefusal,
  type RemediationActionModule,
  type RemediationSubject,
  type SubjectCredential,
} from './actions/remediation-action.ts';

/** Remediation is not allowed here (the realm or the source has it off, or the requester approves). */
export class RemediationRefusedError extends DomainError {
  readonly code = 'FORBIDDEN';
}

/** The refusal to decide an action that no longer waits: it names the state the action is in. */
function notWaiting(state: RemediationState): ConflictError {
  return new ConflictError(`The action is ${state.replace('_', ' ')}, not waiting for approval`);
}

/** The source type that holds an identity's provider credentials. */
const sourceTypeOfProvider: Record<string, string> = {
  aws: 'aws_iam',
  github: 'github',
  kubernetes: 'kubernetes',
};

/** How long one dry run or run may wait on the provider. */
const providerTimeoutMs = 30_000;

interface ActingSource {
  id: string;
  name: string;
  type: string;
  settings: Record<string, unknown>;
  encryptedSecrets: string | null;
}

interface Loaded {
  subject: RemediationSubject;
  ownerGroupId: string | null;
  source: ActingSource | null;
  usedBy: string[];
}

interface Prepared extends Loaded {
  source: ActingSource;
  module: RemediationActionModule;
  credential: SubjectCredential | null;
  settings: RemediationSettings;
  choice: ActionChoice;
}

const actionSelect = {
  id: true,
  nhiId: true,
  credentialId: true,
  sourceId: true,
  action: true,
  target: true,
  plan: true,
  state: true,
  reason: true,
  requestedById: true,
  decidedById: true,
  decidedAt: true,
  startedAt: true,
  finishedAt: true,
  providerResponse: true,
  error: true,
  scanId: true,
  createdAt: true,
  nhi: { select: { name: true } },
  source: { select: { name: true } },
} as const;

type ActionRow = {
  id: string;
  nhiId: string;
  credentialId: string | null;
  sourceId: string;
  action: string;
  target: unknown;
  plan: unknown;
  state: RemediationState;
  reason: string | null;
  requestedById: string | null;
  decidedById: string | null;
  decidedAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  providerResponse: unknown;
  error: string | null;
  scanId: string | null;
  createdAt: Date;
  nhi: { name: string };
  source: { name: string };
};

/** The person behind a call: an API token acts for its user, so it cannot approve its user's request. */
function personOf(principal: Principal): string {
  return principal.kind === 'system' ? `system:${principal.name}` : principal.userId;
}

/** The target as the pages and the audit trail show it: a key's hint, never its full id. */
function publicTarget(target: unknown): Record<string, string | number> {
  const { accessKeyId: _accessKeyId, ...rest } = (target ?? {}) as Record<string, string | number>;
  return rest;
}

/**
 * Remediation actions at the provider with the source's own credentials: a dry run that changes
 * nothing, a request (run at once, or after a second member's approval when the realm asks for
 * it), the provider's answer kept with the action, and on success the inventory updated, an audit
 * row and a re-scan of the source. Identities outside the caller's `nhi:remediate` coverage are
 * NOT_FOUND. The source's credentials are decrypted for the call and go nowhere else.
 */
/** Provider calls time out after 30 s: a run still `running` this long after it started was interrupted. */
const interruptedAfterMs = 5 * 60_000;
export const interruptedError =
  'Interrupted: the hub stopped while the action ran. The provider may have applied it; the next scan of the source shows whether it did.';

@injectable()
export class RemediationService {
  constructor(
    @inject(REALM_DB) private readonly db: RealmDb,
    @inject(REQUEST_CONTEXT) private readonly context: RequestContext,
    @inject(REQUEST_PERMISSIONS) private readonly permissions: RequestPermissions,
    @inject(PLATFORM_DATABASE) private readonly platform: PlatformDatabase,
    @inject(ScannerSecrets) private readonly secrets: ScannerSecrets,
    @inject(SecretFingerprints) private readonly fingerprints: SecretFingerprints,
    @inject(ScannerService) private readonly scanner: ScannerService,
    @inject(NhiService) private readonly nhis: NhiService,
  ) {}

  private coverage(): Coverage {
    return this.permissions.coverage('nhi:remediate');
  }

  /** Whether the realm allows remediation and asks for approval (the realm row is system data). */
  async settings(): Promise<RemediationSettings> {
    const realm = await this.platform.systemPrisma.realm.findUnique({
      where: { id: this.context.realm.id },
      select: { remediationEnabled: true, remediationApproval: true },
    });
    return { enabled: realm?.remediationEnabled ?? false, approval: realm?.remediationApproval ?? false };
  }

  async configure(raw: RemediationSettingsInput): Promise<RemediationSettings> {
    const input = parseInput(remediationSettingsInput, raw, 'remediation settings');
    await this.platform.systemPrisma.$transaction(async (tx) => {
      const before = await tx.realm.findUniqueOrThrow({
        where: { id: this.context.realm.id },
        select: { remediationEnabled: true, remediationApproval: true },
      });
      await tx.realm.update({
        where: { id: this.context.realm.id },
        data: { remediationEnabled: input.enabled, remediationApproval: input.approval },
        select: { id: true },
      });
      await writeAuditEntry(tx, {
        realmId: this.context.realm.id,
        actor: this.context.principal,
        action: 'remediation.settings',
        entityType: 'Realm',
        entityId: this.context.realm.id,
        before: { enabled: before.remediationEnabled, approval: before.remediationApproval },
        after: { enabled: input.enabled, approval: input.approval },
        requestId: this.context.requestId,
      });
    });
    return { enabled: input.enabled, approval: input.approval };
  }

  /** The actions the identity offers, each with why it cannot run when it cannot. */
  async available(nhiId: string): Promise<RemediationAvailability> {
    const settings = await this.settings();
    const loaded = await this.db.transaction((tx) => this.load(tx, nhiId, null));
    const blocked = this.blockingReason(settings, loaded.source);
    const offering = await this.offeringOf(loaded.source);
    const actions = remediationActions
      .flatMap((module) =>
        module
          .offers(loaded.subject, offering)
          .map((offer) => ({ ...offer, takesRepository: module.takesRepository === true })),
      )
      .map((offer) => ({
        ...offer,
        available: offer.available && blocked === null,
        reason: offer.available ? blocked : offer.reason,
      }));
    return {
      settings,
      source: loaded.source
        ? {
            id: loaded.source.id,
            name: loaded.source.name,
            allowsRemediation: loaded.source.settings.remediation === true,
          }
        : null,
      actions,
    };
  }

  /** The dry run: reads the provider, changes nothing, stores nothing. */
  async plan(raw: RemediationPlanInput): Promise<RemediationPlan> {
    const prepared = await this.prepare(raw);
    return (await this.dryRun(prepared)).plan;
  }

  /** Runs the action now, or leaves it waiting for a second member when the realm asks for approval. */
  async request(raw: RemediationPlanInput): Promise<RemediationView> {
    const prepared = await this.prepare(raw);
    const key = prepared.module.key;
    const credentialId = prepared.credential?.id ?? null;
    await this.db.transaction((tx) => this.assertNonePending(tx, prepared.subject.nhi.id, key, credentialId));
    const { plan, target } = await this.dryRun(prepared);
    const waits = prepared.settings.approval;
    const now = this.context.clock.now();
    const id = await this.db.transaction(async (tx) => {
      await lockIdentityForRemediation(tx, this.db.realmId, prepared.subject.nhi.id);
      await this.assertNonePending(tx, prepared.subject.nhi.id, key, credentialId);
      const row = await tx.remediationAction.create({
        data: {
          nhiId: prepared.subject.nhi.id,
          credentialId,
          sourceId: prepared.source.id,
          action: key,
          target,
          plan: plan as never,
          state: waits ? 'awaiting_approval' : 'running',
          requestedById: personOf(this.context.principal),
          startedAt: waits ? null : now,
          createdAt: now,
          updatedAt: now,
        },
        select: { id: true },
      });
      await this.audit(tx, 'remediation.request', row.id, {
        action: key,
        nhiId: prepared.subject.nhi.id,
        credentialId,
        target: publicTarget(target),
        state: waits ? 'awaiting_approval' : 'running',
      });
      return row.id;
    });
    if (!waits) await this.execute(id, prepared.module, target, prepared.source, credentialId);
    return this.get(id);
  }

  /** A second member with `nhi:remediate` lets a waiting action run; the requester cannot. */
  async approve(id: string): Promise<RemediationView> {
    const settings = await this.settings();
    const { row, source } = await this.db.transaction(async (tx) => {
      const row = await this.waiting(tx, id);
      if (!settings.enabled) throw this.realmOff();
      if (row.requestedById === personOf(this.context.principal))
        throw new RemediationRefusedError(
          'You requested this action: another member who may remediate approves it',
        );
      const source = await this.sourceOf(tx, row.sourceId);
      if (source.settings.remediation !== true) throw this.sourceOff(source);
      const now = this.context.clock.now();
      const claimed = await tx.remediationAction.updateMany({
        where: { id, state: 'awaiting_approval' },
        data: {
          state: 'running',
          decidedById: personOf(this.context.principal),
          decidedAt: now,
          startedAt: now,
          updatedAt: now,
        },
      });
      if (claimed.count !== 1) throw await this.decidedMeanwhile(tx, id);
      await this.audit(tx, 'remediation.approve', id, { action: row.action, nhiId: row.nhiId });
      return { row, source };
    });
    const module = remediationActionOf(row.action as RemediationActionKey);
    await this.execute(id, module, row.target as Record<string, unknown>, source, row.credentialId);
    return this.get(id);
  }

  /** Any member with `nhi:remediate` over the identity may reject (a requester withdraws their own). */
  async reject(raw: RejectRemediationInput): Promise<RemediationView> {
    const input = parseInput(rejectRemediationInput, raw, 'rejection');
    await this.db.transaction(async (tx) => {
      const row = await this.waiting(tx, input.id);
      const now = this.context.clock.now();
      const decided = await tx.remediationAction.updateMany({
        where: { id: input.id, state: 'awaiting_approval' },
        data: {
          state: 'rejected',
          reason: input.reason,
          decidedById: personOf(this.context.principal),
          decidedAt: now,
          updatedAt: now,
        },
      });
      if (decided.count !== 1) throw await this.decidedMeanwhile(tx, input.id);
      await this.audit(tx, 'remediation.reject', input.id, {
        action: row.action,
        nhiId: row.nhiId,
        reason: input.reason,
      });
    });
    return this.get(input.id);
  }

  /** Newest first, of identities the caller's `nhi:remediate` covers. */
  async list(raw: ListRemediationsInput = {}): Promise<RemediationView[]> {
    const input = parseInput(listRemediationsInput, raw, 'remediation list');
    const rows = await this.db.transaction((tx) =>
      tx.remediationAction.findMany({
        where: {
          ...(input.nhiId ? { nhiId: input.nhiId } : {}),
          ...(input.state ? { state: input.state } : {}),
          nhi: coveredOwnerWhere(this.coverage()),
        },
        select: actionSelect,
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: input.limit,
      }),
    );
    return rows.map((row) => this.view(row as ActionRow));
  }

  async get(id: string): Promise<RemediationView> {
    const row = await this.db.transaction((tx) =>
      tx.remediationAction.findFirst({
        where: { id, nhi: coveredOwnerWhere(this.coverage()) },
        select: actionSelect,
      }),
    );
    if (!row) throw new NotFoundError('RemediationAction', id);
    return this.view(row as ActionRow);
  }

  private async prepare(raw: RemediationPlanInput): Promise<Prepared> {
    const input = parseInput(remediationPlanInput, raw, 'remediation');
    // Read first (the realm row is read through the system client, never inside a realm transaction);
    // an identity the caller may not see is NOT_FOUND before anything is said about the realm.
    const settings = await this.settings();
    const loaded = await this.db.transaction((tx) => this.load(tx, input.nhiId, input.credentialId ?? null));
    const module = remediationActionOf(input.action);
    const blocked = this.blockingReason(settings, loaded.source);
    if (!settings.enabled) throw this.realmOff();
    if (!loaded.source) throw new ValidationError(blocked ?? 'No source can act on this identity');
    if (loaded.source.settings.remediation !== true) throw this.sourceOff(loaded.source);
    if (input.repository && !module.takesRepository)
      throw new ValidationError(`“${module.label}” takes no repository`, [
        { path: ['repository'], message: 'not taken by this action' },
      ]);
    const offer: ActionOffer | undefined = module
      .offers(loaded.subject, await this.offeringOf(loaded.source))
      .find((candidate) => candidate.credentialId === (input.credentialId ?? null));
    if (!offer)
      throw new ValidationError(
        `${loaded.subject.nhi.name} does not offer “${module.label}” for this credential`,
        [{ path: ['action'], message: 'not offered' }],
      );
    if (!offer.available) throw new ValidationError(offer.reason ?? `“${module.label}” is not available`);
    const credential = loaded.subject.credentials.find((c) => c.id === input.credentialId) ?? null;
    const choice = { repository: input.repository ?? null };
    return { ...loaded, source: loaded.source, module, credential, settings, choice };
  }

  /** The source as offers see it: the names of its secrets are read outside any realm transaction. */
  private async offeringOf(source: ActingSource | null): Promise<OfferingSource> {
    if (!source) return { settings: {}, secretNames: [] };
    const secrets = source.encryptedSecrets ? await this.secrets.decryptJson(source.encryptedSecrets) : {};
    return { settings: source.settings, secretNames: Object.keys(secrets) };
  }

  private async dryRun(
    prepared: Prepared,
  ): Promise<{ plan: RemediationPlan; target: Record<string, string | number> }> {
    const access = await this.accessOf(prepared.source);
    let found: Awaited<ReturnType<RemediationActionModule['plan']>>;
    try {
      found = await prepared.module.plan(prepared.subject, prepared.credential, access, prepared.choice);
    } catch (error) {
      if (error instanceof ProviderRefusal) throw new ConflictError(`The dry run failed: ${error.message}`);
      throw error;
    }
    return {
      target: found.target,
      plan: {
        action: prepared.module.key,
        label: prepared.module.label,
        nhi: { id: prepared.subject.nhi.id, name: prepared.subject.nhi.name },
        credentialId: prepared.credential?.id ?? null,
        source: { id: prepared.source.id, name: prepared.source.name },
        summary: found.summary,
        lastUse: found.lastUse,
        usedBy: prepared.usedBy,
        otherCredentials: found.otherCredentials,
        risks: found.risks,
        needsApproval: prepared.settings.approval,
      },
    };
  }

  /**
   * The provider call, then the outcome. On failure only the action changes (failed, with the
   * provider's error); on success the credential's state, an audit row with the answer and a re-scan.
   */
  private async execute(
    id: string,
    module: RemediationActionModule,
    target: Record<string, unknown>,
    source: ActingSource,
    credentialId: string | null,
  ): Promise<void> {
    let answer: ProviderAnswer;
    try {
      answer = await module.run(target, await this.accessOf(source));
    } catch (error) {
      const message =
        error instanceof ProviderRefusal || error instanceof DomainError
          ? error.message
          : `The provider could not be reached: ${(error as Error).message}`;
      await this.finish(id, { state: 'failed', error: message });
      return;
    }
    if (module.credentialStatus && credentialId)
      await this.nhis
        .recordCredentialProviderStatus(credentialId, module.credentialStatus, this.coverage())
        // The credential may have gone since the request; the re-scan shows the provider's state.
        .catch((error: unknown) => {
          if (!(error instanceof NotFoundError || error instanceof ConflictError)) throw error;
        });
    const providerResponse = { ...answer };
    await this.db.transaction(async (tx) => {
      await this.finishIn(tx, id, { state: 'succeeded', providerResponse });
      await this.audit(tx, 'remediation.succeeded', id, {
        action: module.key,
        credentialId,
        target: publicTarget(target),
        providerResponse,
      });
    });
    const scan = await this.scanner
      .startScan({ sourceId: source.id, input: module.rescanInput })
      .catch(() => null);
    if (scan)
      await this.db.transaction((tx) =>
        tx.remediationAction.update({ where: { id }, data: { scanId: scan.id }, select: { id: true } }),
      );
  }

  private async finish(
    id: string,
    outcome: { state: 'failed'; error: string } | { state: 'succeeded'; providerResponse: ProviderAnswer },
  ) {
    await this.db.transaction((tx) => this.finishIn(tx, id, outcome));
  }

  private async finishIn(
    tx: RealmTx,
    id: string,
    outcome: { state: 'failed'; error: string } | { state: 'succeeded'; providerResponse: ProviderAnswer },
  ) {
    const now = this.context.clock.now();
    await tx.remediationAction.update({
      where: { id },
      data: {
        state: outcome.state,
        ...(outcome.state === 'failed'
          ? { error: outcome.error }
          : { providerResponse: outcome.providerResponse as never }),
        finishedAt: now,
        updatedAt: now,
      },
      select: { id: true },
    });
  }

  /** Decrypted outside any realm transaction: the key may be read through the system client. */
  private async accessOf(source: ActingSource): Promise<ProviderAccess> {
    return {
      settings: source.settings,
      secrets: source.encryptedSecrets ? await this.secrets.decryptJson(source.encryptedSecrets) : {},
      fingerprint: (value) => this.fingerprints.fingerprint(value),
      signal: AbortSignal.timeout(providerTimeoutMs),
    };
  }

  private async load(tx: RealmTx, nhiId: string, credentialId: string | null): Promise<Loaded> {
    const nhi = await tx.nhi.findFirst({
      where: { id: nhiId, deletedAt: null, ...coveredOwnerWhere(this.coverage()) },
      select: {
        id: true,
        name: true,
        kind: true,
        provider: true,
        externalId: true,
        metadata: true,
        lastUsedAt: true,
        ownerGroupId: true,
      },
    });
    if (!nhi) throw new NotFoundError('Nhi', nhiId);
    const credentials = await tx.credential.findMany({
      where: { nhiId },
      select: {
        id: true,
        kind: true,
        hint: true,
        fingerprint: true,
        status: true,
        providerCreatedAt: true,
        lastUsedAt: true,
      },
      // Oldest key first, as the provider lists them; a scan inserts a user's keys at one time.
      orderBy: [{ providerCreatedAt: { sort: 'asc', nulls: 'last' } }, { createdAt: 'asc' }, { id: 'asc' }],
    });
    if (credentialId && !credentials.some((credential) => credential.id === credentialId))
      throw new NotFoundError('Credential', credentialId);
    const facts = await tx.scanFact.findMany({ where: { nhiId }, select: { kind: true, evidence: true } });
    const items = await tx.sourceItem.findMany({
      where: { nhiId, missing: false },
      select: {
        source: { select: { id: true, name: true, type: true, settings: true, encryptedSecrets: true } },
      },
      orderBy: { updatedAt: 'desc' },
    });
    const wanted = sourceTypeOfProvider[nhi.provider];
    const source = items.map((item) => item.source).find((candidate) => candidate.type === wanted);
    const { ownerGroupId, ...identity } = nhi;
    return {
      subject: { nhi: identity, credentials, facts },
      ownerGroupId,
      source: source ? { ...source, settings: (source.settings ?? {}) as Record<string, unknown> } : null,
      usedBy: await this.usesOf(tx, nhi, credentialId),
    };
  }

  /** Where the identity or credential is used, from what scans keep: workloads and leaks of the secret. */
  private async usesOf(
    tx: RealmTx,
    nhi: { id: string; metadata: unknown; ownerGroupId: string | null },
    credentialId: string | null,
  ): Promise<string[]> {
    const metadata = (nhi.metadata ?? {}) as { kubernetes?: { workloads?: unknown[] } };
    const uses = (metadata.kubernetes?.workloads ?? []).map((workload) => `Mounted by ${String(workload)}`);
    // Leaks only for callers whose `leak:read` covers the identity, as the access graph shows them.
    if (coversOwner(this.permissions.coverage('leak:read'), nhi.ownerGroupId)) {
      const leaks = await tx.leak.findMany({
        where: { nhiId: nhi.id, resolvedAt: null, ...(credentialId ? { credentialId } : {}) },
        select: { file: true, line: true, source: { select: { name: true } } },
        orderBy: { lastSeenAt: 'desc' },
        take: 10,
      });
      for (const leak of leaks)
        uses.push(`Found in ${leak.file}${leak.line ? `:${leak.line}` : ''} (source ${leak.source.name})`);
    }
    return uses;
  }

  private async sourceOf(tx: RealmTx, sourceId: string): Promise<ActingSource> {
    const source = await tx.source.findUnique({
      where: { id: sourceId },
      select: { id: true, name: true, type: true, settings: true, encryptedSecrets: true },
    });
    if (!source) throw new NotFoundError('Source', sourceId);
    return { ...source, settings: (source.settings ?? {}) as Record<string, unknown> };
  }

  private async waiting(tx: RealmTx, id: string) {
    const row = await tx.remediationAction.findFirst({
      where: { id, nhi: coveredOwnerWhere(this.coverage()) },
      select: {
        id: true,
        nhiId: true,
        action: true,
        state: true,
        target: true,
        sourceId: true,
        credentialId: true,
        requestedById: true,
      },
    });
    if (!row) throw new NotFoundError('RemediationAction', id);
    if (row.state !== 'awaiting_approval') throw notWaiting(row.state);
    return row;
  }

  /**
   * Another member decided between the read and the conditional update (both read it waiting): the
   * update found the row no longer waiting, and the refusal names the state it is in now.
   */
  private async decidedMeanwhile(tx: RealmTx, id: string): Promise<ConflictError> {
    const now = await tx.remediationAction.findUnique({ where: { id }, select: { state: true } });
    return now ? notWaiting(now.state) : new ConflictError('The action was decided meanwhile');
  }

  /**
   * One action on one target at a time: a second request while one waits or runs is refused. A run
   * older than any provider call can last was cut short (the hub stopped): it is marked failed
   * first, so it does not block the target for ever.
   */
  private async assertNonePending(
    tx: RealmTx,
    nhiId: string,
    action: RemediationActionKey,
    credentialId: string | null,
  ) {
    const now = this.context.clock.now();
    await tx.remediationAction.updateMany({
      where: {
        nhiId,
        action,
        credentialId,
        state: 'running',
        startedAt: { lt: new Date(now.getTime() - interruptedAfterMs) },
      },
      data: { state: 'failed', error: interruptedError, finishedAt: now, updatedAt: now },
    });
    const pending = await tx.remediationAction.findFirst({
      where: { nhiId, action, credentialId, state: { in: ['awaiting_approval', 'running'] } },
      select: { state: true },
    });
    if (pending)
      throw new ConflictError(
        pending.state === 'running'
          ? 'The same action on the same target is running'
          : 'The same action on the same target is waiting for approval',
      );
  }

  private blockingReason(settings: RemediationSettings, source: ActingSource | null): string | null {
    if (!source) return 'No source of this identity can act on it: it was imported or entered by hand';
    if (!settings.enabled) return this.realmOff().message;
    if (source.settings.remediation !== true) return this.sourceOff(source).message;
    return null;
  }

  private realmOff() {
    return new RemediationRefusedError(
      'Remediation is off in this realm: an administrator turns it on in the realm’s remediation settings',
    );
  }

  private sourceOff(source: { name: string }) {
    return new RemediationRefusedError(
      `The source “${source.name}” does not allow remediation: turn it on in the source’s settings`,
    );
  }

  private view(row: ActionRow): RemediationView {
    const plan = row.plan as RemediationPlan;
    const me = personOf(this.context.principal);
    return {
      id: row.id,
      nhi: { id: row.nhiId, name: row.nhi.name },
      credentialId: row.credentialId,
      source: { id: row.sourceId, name: row.source.name },
      action: row.action as RemediationActionKey,
      label: plan.label ?? row.action,
      target: publicTarget(row.target),
      plan,
      state: row.state,
      reason: row.reason,
      requestedById: row.requestedById,
      decidedById: row.decidedById,
      decidedAt: row.decidedAt,
      startedAt: row.startedAt,
      finishedAt: row.finishedAt,
      providerResponse: (row.providerResponse ?? null) as ProviderAnswer | null,
      error: row.error,
      scanId: row.scanId,
      createdAt: row.createdAt,
      canDecide:
        row.state === 'awaiting_approval' &&
        row.requestedById !== me &&
        this.permissions.has('nhi:remediate'),
    };
  }

  private async audit(tx: RealmTx, action: string, entityId: string, after: Record<string, unknown>) {
    await writeAuditEntry(tx, {
      realmId: this.context.realm.id,
      actor: this.context.principal,
      action,
      entityType: 'RemediationAction',
      entityId,
      after: after as never,
      requestId: this.context.requestId,
    });
  }
}
