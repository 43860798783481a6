import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  actorOf,
  CONFIG,
  type Config,
  isUniqueViolation,
  JOB_QUEUE,
  type JobQueue,
  LOGGER,
  type Logger,
  NotFoundError,
  PLATFORM_DATABASE,
  type PlatformDatabase,
  RealmDb,
} from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import type { ScanInput, SourceType } from '../api/scanner.schema.ts';
import { scanJob } from './scanner-jobs.ts';
import { ScannerSecrets } from './scanner-secrets.ts';
import { type SnsMessage, SnsVerifier, snsMessageOf } from './sns-messages.ts';

/** A push names its commits; anything larger than this is not one event. */
export const maxEventBodyBytes = 5 * 1024 * 1024;

/** What the route answers: 202 a scan was queued (or an equal one already was), 200 nothing to do. */
export interface SourceEventAnswer {
  status: 200 | 202 | 400 | 401;
  /** The scan the event queued or joined; null when it asked for none. */
  scanId: string | null;
  /** A delivery seen before: nothing was done again. */
  duplicate: boolean;
}

/** One recorded event, as the source's page lists it. */
export interface SourceEventView {
  id: string;
  deliveryId: string;
  kind: string;
  /** What the event named, flat: repository, ref, commits, event name, principal ARN, ... */
  detail: Record<string, string | number | boolean | null>;
  scanId: string | null;
  receivedAt: Date;
}

/** The request's headers, by lower-case name. */
export interface EventHeaders {
  get(name: string): string | null;
}

/** GitHub events that change which identities or credentials an organisation has. */
const gitHubLiveEvents = new Set([
  'installation',
  'installation_repositories',
  'github_app_authorization',
  'deploy_key',
  'personal_access_token_request',
]);

/** GitLab hooks about access tokens, members and projects (where deploy keys and tokens live). */
const gitLabLiveEvents = new Set([
  'Resource Access Token Hook',
  'Member Hook',
  'Project Hook',
  'Subgroup Hook',
]);

/** IAM API calls (CloudTrail event names) that change identities, their keys or their permissions. */
export const iamChangeEvents = new Set([
  'CreateAccessKey',
  'UpdateAccessKey',
  'DeleteAccessKey',
  'CreateUser',
  'DeleteUser',
  'CreateRole',
  'DeleteRole',
  'AttachRolePolicy',
  'DetachRolePolicy',
  'PutRolePolicy',
  'DeleteRolePolicy',
  'AttachUserPolicy',
  'DetachUserPolicy',
  'PutUserPolicy',
  'DeleteUserPolicy',
  'AddUserToGroup',
  'RemoveUserFromGroup',
  'AttachGroupPolicy',
  'DetachGroupPolicy',
  'PutGroupPolicy',
  'UpdateAssumeRolePolicy',
  'CreateLoginProfile',
  'UpdateLoginProfile',
  'DeleteLoginProfile',
  'CreateServiceSpecificCredential',
  'DeleteServiceSpecificCredential',
  'UploadSSHPublicKey',
  'DeleteSSHPublicKey',
  'CreateServiceLinkedRole',
  'DeleteServiceLinkedRole',
]);

interface Source {
  id: string;
  type: SourceType;
  settings: Record<string, unknown>;
  secrets: Record<string, string>;
}

/** What a verified event asks for: recorded always, a scan when `input` is set. */
interface Plan {
  deliveryId: string;
  kind: string;
  detail: Record<string, unknown>;
  input: ScanInput | null;
  /** The event's body, for inputs that read it (a push). */
  upload?: string;
  /** Status when nothing is queued. */
  idle?: 200;
}

const webhookActor = actorOf({ kind: 'system', name: 'webhook' });
const rejected: SourceEventAnswer = { status: 401, scanId: null, duplicate: false };
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Equal strings in time that does not depend on where they differ. */
function sameSecret(expected: string, given: string): boolean {
  const a = createHmac('sha256', 'compare').update(expected).digest();
  const b = createHmac('sha256', 'compare').update(given).digest();
  return timingSafeEqual(a, b) && expected.length === given.length;
}

function parseObject(body: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(body);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

const objectAt = (value: unknown, key: string): Record<string, unknown> => {
  const inner = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return inner && typeof inner === 'object' ? (inner as Record<string, unknown>) : {};
};
const stringAt = (value: unknown, key: string): string | undefined => {
  const inner = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return typeof inner === 'string' ? inner : typeof inner === 'number' ? String(inner) : undefined;
};

/**
 * Providers' webhooks about a source (ADR 0049): each is verified with the source's own secret
 * (GitHub's HMAC, GitLab's token, SNS's signature), recorded once per delivery id, and queues a scan
 * of what changed: the pushed commits, or the source's live input. The request never scans.
 * Unknown realms, unknown sources and bad signatures answer alike, so the endpoint tells nobody
 * what exists.
 */
@injectable()
export class SourceEvents {
  constructor(
    @inject(PLATFORM_DATABASE) private readonly database: PlatformDatabase,
    @inject(ScannerSecrets) private readonly secrets: ScannerSecrets,
    @inject(JOB_QUEUE) private readonly jobs: JobQueue,
    @inject(CONFIG) private readonly config: Config,
    @inject(LOGGER) private readonly logger: Logger,
    @inject(SnsVerifier) private readonly sns: SnsVerifier,
  ) {}

  async receive(
    realmSlug: string,
    sourceId: string,
    headers: EventHeaders,
    body: string,
  ): Promise<SourceEventAnswer> {
    if (!uuidPattern.test(sourceId)) return rejected;
    const realm = await this.database.systemPrisma.realm.findUnique({
      where: { slug: realmSlug },
      select: { id: true },
    });
    if (!realm) return rejected;
    const realmDb = new RealmDb(this.database, realm.id);
    const row = await realmDb.transaction((tx) =>
      tx.source.findUnique({
        where: { id: sourceId },
        select: { id: true, type: true, settings: true, encryptedSecrets: true },
      }),
    );
    if (!row) return rejected;
    const source: Source = {
      id: row.id,
      type: row.type,
      settings: (row.settings ?? {}) as Record<string, unknown>,
      secrets: row.encryptedSecrets ? await this.secrets.decryptJson(row.encryptedSecrets) : {},
    };
    const plan =
      source.type === 'github'
        ? this.gitHub(source, headers, body)
        : source.type === 'gitlab'
          ? this.gitLab(source, headers, body)
          : source.type === 'aws_iam'
            ? await this.aws(source, body)
            : null;
    if (plan === null) return rejected;
    if (plan === 'malformed') return { status: 400, scanId: null, duplicate: false };
    return this.apply(realmDb, source, plan);
  }

  /** The last events of a source of the realm, newest first. */
  async list(realmDb: RealmDb, sourceId: string, limit = 50): Promise<SourceEventView[]> {
    return realmDb.transaction(async (tx) => {
      const source = await tx.source.findUnique({ where: { id: sourceId }, select: { id: true } });
      if (!source) throw new NotFoundError('Source', sourceId);
      const rows = await tx.sourceEvent.findMany({
        where: { sourceId },
        select: { id: true, deliveryId: true, kind: true, detail: true, scanId: true, receivedAt: true },
        orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }],
        take: limit,
      });
      return rows.map((row) => ({ ...row, detail: (row.detail ?? {}) as SourceEventView['detail'] }));
    });
  }

  private gitHub(source: Source, headers: EventHeaders, body: string): Plan | 'malformed' | null {
    const secret = source.secrets.webhookSecret;
    const signature = headers.get('x-hub-signature-256');
    if (!secret || !signature) return null;
    const expected = `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
    if (!sameSecret(expected, signature.trim().toLowerCase())) return null;
    const event = headers.get('x-github-event');
    const deliveryId = headers.get('x-github-delivery');
    const payload = parseObject(body);
    if (!event || !deliveryId || !payload) return 'malformed';
    const repository = stringAt(objectAt(payload, 'repository'), 'full_name');
    const action = stringAt(payload, 'action');
    if (event === 'push') {
      const commits = Array.isArray(payload.commits) ? payload.commits : [];
      const detail = {
        repository,
        ref: stringAt(payload, 'ref'),
        after: stringAt(payload, 'after'),
        commits: commits.length,
      };
      // A deleted branch or a push without commits adds no lines to scan.
      if (payload.deleted === true || commits.length === 0)
        return { deliveryId, kind: 'push', detail, input: null };
      return { deliveryId, kind: 'push', detail, input: 'github.push', upload: body };
    }
    const detail = {
      action,
      repository,
      installation: stringAt(objectAt(payload, 'installation'), 'id'),
      sender: stringAt(objectAt(payload, 'sender'), 'login'),
    };
    if (event === 'ping') return { deliveryId, kind: 'ping', detail, input: null, idle: 200 };
    return { deliveryId, kind: event, detail, input: gitHubLiveEvents.has(event) ? 'github.live' : null };
  }

  private gitLab(source: Source, headers: EventHeaders, body: string): Plan | 'malformed' | null {
    const secret = source.secrets.webhookToken;
    const token = headers.get('x-gitlab-token');
    if (!secret || !token || !sameSecret(secret, token)) return null;
    const event = headers.get('x-gitlab-event');
    // Idempotency-Key stays the same when GitLab retries a delivery; the event UUID is older.
    const deliveryId = headers.get('idempotency-key') ?? headers.get('x-gitlab-event-uuid');
    const payload = parseObject(body);
    if (!event || !deliveryId || !payload) return 'malformed';
    const project = stringAt(objectAt(payload, 'project'), 'path_with_namespace');
    if (event === 'Push Hook') {
      const commits = Array.isArray(payload.commits) ? payload.commits : [];
      const detail = {
        project,
        ref: stringAt(payload, 'ref'),
        after: stringAt(payload, 'after'),
        commits: commits.length,
      };
      if (commits.length === 0) return { deliveryId, kind: event, detail, input: null };
      return { deliveryId, kind: event, detail, input: 'gitlab.push', upload: body };
    }
    const detail = {
      project,
      group: stringAt(payload, 'group_path') ?? stringAt(objectAt(payload, 'group'), 'group_path'),
      eventName: stringAt(payload, 'event_name'),
    };
    return { deliveryId, kind: event, detail, input: gitLabLiveEvents.has(event) ? 'gitlab.live' : null };
  }

  private async aws(source: Source, body: string): Promise<Plan | 'malformed' | null> {
    const message = snsMessageOf(body);
    const topic = source.settings.snsTopicArn;
    if (!message || typeof topic !== 'string' || message.TopicArn !== topic) return null;
    if (!(await this.sns.verify(message))) return null;
    if (message.Type === 'SubscriptionConfirmation') return this.confirm(message);
    if (message.Type === 'UnsubscribeConfirmation')
      return { deliveryId: message.MessageId, kind: message.Type, detail: {}, input: null, idle: 200 };
    const event = parseObject(message.Message);
    const detail = objectAt(event, 'detail');
    const eventName = stringAt(detail, 'eventName');
    const recorded = {
      eventName,
      eventSource: stringAt(detail, 'eventSource'),
      principal: stringAt(objectAt(detail, 'userIdentity'), 'arn'),
      target: ['userName', 'roleName', 'groupName', 'policyArn']
        .map((key) => stringAt(objectAt(detail, 'requestParameters'), key))
        .find((value) => value !== undefined),
      account: stringAt(event, 'account'),
      region: stringAt(event, 'region'),
    };
    const isIamChange =
      recorded.eventSource === 'iam.amazonaws.com' &&
      eventName !== undefined &&
      iamChangeEvents.has(eventName);
    const input: ScanInput | null = !isIamChange
      ? null
      : typeof source.settings.roleName === 'string' && source.settings.roleName
        ? 'aws.organization'
        : 'aws.live';
    return { deliveryId: message.MessageId, kind: eventName ?? 'Notification', detail: recorded, input };
  }

  /** Confirms the subscription of the source's own topic (checked before), by its SubscribeURL. */
  private async confirm(message: SnsMessage): Promise<Plan | null> {
    const url = this.sns.trusted(message.SubscribeURL);
    if (!url) return null;
    const status = await this.sns.get(url).catch((error: unknown) => {
      this.logger.warn({ topic: message.TopicArn, err: String(error) }, 'SNS subscription not confirmed');
      return 0;
    });
    return {
      deliveryId: message.MessageId,
      kind: message.Type,
      detail: { topic: message.TopicArn, confirmed: status >= 200 && status < 300 },
      input: null,
      idle: 200,
    };
  }

  /**
   * Records the event and queues its scan in one transaction, so a redelivery (the same id) finds
   * the event and queues nothing. A live scan of the source already waiting to start is joined
   * rather than repeated; each push is its own scan, for its own commits.
   */
  private async apply(realmDb: RealmDb, source: Source, plan: Plan): Promise<SourceEventAnswer> {
    const upload = plan.upload ? Buffer.from(plan.upload, 'utf8') : null;
    if (upload && upload.length > this.config.NHI_SCAN_UPLOAD_MAX_BYTES)
      return { status: 400, scanId: null, duplicate: false };
    const uploadEncrypted = upload ? await this.secrets.encrypt(upload) : null;
    const input = plan.input;
    let outcome: { scanId: string | null; created: boolean; duplicate: boolean };
    try {
      outcome = await realmDb.transaction(async (tx) => {
        const seen = await tx.sourceEvent.findFirst({
          where: { sourceId: source.id, deliveryId: plan.deliveryId },
          select: { scanId: true },
        });
        if (seen) return { scanId: seen.scanId, created: false, duplicate: true };
        let scanId: string | null = null;
        let created = false;
        if (input) {
          const waiting = upload
            ? null
            : await tx.scan.findFirst({
                where: { sourceId: source.id, input, state: 'queued' },
                select: { id: true },
                orderBy: { createdAt: 'asc' },
              });
          if (waiting) scanId = waiting.id;
          else {
            const scan = await tx.scan.create({
              data: {
                sourceId: source.id,
                input,
                // A push speaks only for its own commits, not for leaks found elsewhere before.
                complete: !upload,
                uploadName: upload ? `${plan.kind}-${plan.deliveryId}.json` : null,
                uploadSize: upload?.length ?? null,
                uploadEncrypted: uploadEncrypted ? new Uint8Array(uploadEncrypted) : null,
                triggeredByType: webhookActor.actorType,
                triggeredById: webhookActor.actorId,
              },
              select: { id: true },
            });
            scanId = scan.id;
            created = true;
          }
        }
        await tx.sourceEvent.create({
          data: {
            sourceId: source.id,
            deliveryId: plan.deliveryId,
            kind: plan.kind,
            detail: JSON.parse(JSON.stringify(plan.detail)),
            scanId,
          },
          select: { id: true },
        });
        return { scanId, created, duplicate: false };
      });
    } catch (error) {
      // Two deliveries of one id at once: the other one recorded it (and queued its scan).
      if (!isUniqueViolation(error)) throw error;
      return { status: 200, scanId: null, duplicate: true };
    }
    if (outcome.created && outcome.scanId) {
      const jobId = await this.jobs.enqueue(scanJob, { realmId: realmDb.realmId, scanId: outcome.scanId });
      const scanId = outcome.scanId;
      await realmDb.transaction((tx) =>
        tx.scan.update({ where: { id: scanId }, data: { jobId }, select: { id: true } }),
      );
    }
    if (outcome.duplicate) return { status: 200, scanId: outcome.scanId, duplicate: true };
    return {
      status: outcome.scanId ? 202 : (plan.idle ?? 202),
      scanId: outcome.scanId,
      duplicate: false,
    };
  }
}
