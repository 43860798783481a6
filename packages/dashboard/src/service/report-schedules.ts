import {
  ConflictError,
  isUniqueViolation,
  NotFoundError,
  parseInput,
  REALM_DB,
  REQUEST_CONTEXT,
  type RealmDb,
  type RealmTx,
  type RequestContext,
  ValidationError,
  writeAuditEntry,
} from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import {
  type CreateReportScheduleInput,
  createReportScheduleInput,
  type ReportScheduleIdInput,
  reportScheduleIdInput,
  type UpdateReportScheduleInput,
  updateReportScheduleInput,
} from '../api/report.schema.ts';
import type { EmailChannelOption, ReportScheduleView } from '../api/report-view.ts';

const scheduleSelect = {
  id: true,
  name: true,
  cadence: true,
  channelId: true,
  recipients: true,
  enabled: true,
  nextRunAt: true,
  lastSentAt: true,
  lastError: true,
  channel: { select: { name: true } },
} as const;

type ScheduleRow = Omit<ReportScheduleView, 'channelName'> & { channel: { name: string } };

const viewOf = ({ channel, ...row }: ScheduleRow): ReportScheduleView => ({
  ...row,
  channelName: channel.name,
});

/** What the audit log keeps of a schedule: its settings, not its run times. */
const auditedOf = ({ name, cadence, channelId, recipients, enabled }: ReportScheduleView) => ({
  name,
  cadence,
  channelId,
  recipients,
  enabled,
});

/** Reports go out by email only: the channel must be one of the realm's email channels. */
async function requireEmailChannel(tx: RealmTx, channelId: string): Promise<void> {
  const channel = await tx.alertChannel.findFirst({
    where: { id: channelId },
    select: { type: true, name: true },
  });
  if (!channel) throw new NotFoundError('Channel', channelId);
  if (channel.type !== 'email')
    throw new ValidationError(
      `Channel ${channel.name} is a ${channel.type} channel: posture reports are sent through an email channel`,
      [{ path: ['channelId'], message: 'Choose an email channel' }],
    );
}

/** The realm's report schedules: who gets the posture report, how often, through which channel. */
@injectable()
export class ReportScheduleService {
  constructor(
    @inject(REQUEST_CONTEXT) private readonly context: RequestContext,
    @inject(REALM_DB) private readonly realmDb: RealmDb,
  ) {}

  /** The schedules by name, and the email channels a schedule may use. */
  async list(): Promise<{ schedules: ReportScheduleView[]; emailChannels: EmailChannelOption[] }> {
    return this.realmDb.transaction(async (tx) => ({
      schedules: (
        await tx.reportSchedule.findMany({ orderBy: [{ name: 'asc' }], select: scheduleSelect })
      ).map((row) => viewOf(row as ScheduleRow)),
      emailChannels: await tx.alertChannel.findMany({
        where: { type: 'email' },
        orderBy: [{ name: 'asc' }],
        select: { id: true, name: true },
      }),
    }));
  }

  /** A new schedule; its first report goes out at the job's next round, then every period. */
  async create(input: CreateReportScheduleInput): Promise<ReportScheduleView> {
    const parsed = parseInput(createReportScheduleInput, input, 'report schedule');
    const now = this.context.clock.now();
    const principal = this.context.principal;
    return this.named(parsed.name, () =>
      this.realmDb.transaction(async (tx) => {
        await requireEmailChannel(tx, parsed.channelId);
        const row = await tx.reportSchedule.create({
          data: {
            ...parsed,
            recipients: [...new Set(parsed.recipients)],
            nextRunAt: now,
            createdById: principal.kind === 'user' ? principal.userId : null,
            createdAt: now,
            updatedAt: now,
          },
          select: scheduleSelect,
        });
        const view = viewOf(row as ScheduleRow);
        await this.audit(tx, 'report.schedule.create', view.id, undefined, auditedOf(view));
        return view;
      }),
    );
  }

  async update(input: UpdateReportScheduleInput): Promise<ReportScheduleView> {
    const { id, ...changes } = parseInput(updateReportScheduleInput, input, 'report schedule');
    return this.named(changes.name, () =>
      this.realmDb.transaction(async (tx) => {
        const existing = await tx.reportSchedule.findFirst({ where: { id }, select: scheduleSelect });
        if (!existing) throw new NotFoundError('Report schedule', id);
        if (changes.channelId) await requireEmailChannel(tx, changes.channelId);
        const row = await tx.reportSchedule.update({
          where: { id },
          data: {
            ...changes,
            ...(changes.recipients ? { recipients: [...new Set(changes.recipients)] } : {}),
            updatedAt: this.context.clock.now(),
          },
          select: scheduleSelect,
        });
        const view = viewOf(row as ScheduleRow);
        await this.audit(
          tx,
          'report.schedule.update',
          id,
          auditedOf(viewOf(existing as ScheduleRow)),
          auditedOf(view),
        );
        return view;
      }),
    );
  }

  async delete(input: ReportScheduleIdInput): Promise<{ id: string }> {
    const { id } = parseInput(reportScheduleIdInput, input, 'report schedule');
    return this.realmDb.transaction(async (tx) => {
      const { count } = await tx.reportSchedule.deleteMany({ where: { id } });
      if (count === 0) throw new NotFoundError('Report schedule', id);
      await this.audit(tx, 'report.schedule.delete', id, undefined, undefined);
      return { id };
    });
  }

  private audit(
    tx: RealmTx,
    action: string,
    entityId: string,
    before: object | undefined,
    after: object | undefined,
  ) {
    return writeAuditEntry(tx, {
      realmId: this.context.realm.id,
      actor: this.context.principal,
      action,
      entityType: 'ReportSchedule',
      entityId,
      before: before as never,
      after: after as never,
      requestId: this.context.requestId,
    });
  }

  /** A second schedule of the same name is the caller's conflict, not a failure. */
  private async named<T>(name: string | undefined, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (isUniqueViolation(error))
        throw new ConflictError(`A report schedule named ${name} exists already`, { name });
      throw error;
    }
  }
}
