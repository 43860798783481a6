import { createServerFn } from '@tanstack/react-start';
import { authGuard } from '../guards/auth-guard.ts';
import { inputOf } from '../rpc/procedure-input.ts';

/** The realm's posture report as it stands, compared with the last one produced; stores nothing. */
export const postureReportPreview = createServerFn({ method: 'GET' })
  .middleware([authGuard('dashboard.report.preview')])
  .handler(({ context }) => context.rpc.dashboard.report.preview.query());

/** The report schedules and the email channels they may use (administrators). */
export const reportSchedulesList = createServerFn({ method: 'GET' })
  .middleware([authGuard('dashboard.report.schedules.list')])
  .handler(({ context }) => context.rpc.dashboard.report.schedules.list.query());

export const reportScheduleCreate = createServerFn({ method: 'POST' })
  .middleware([authGuard('dashboard.report.schedules.create')])
  .validator(inputOf('dashboard.report.schedules.create'))
  .handler(({ data, context }) => context.rpc.dashboard.report.schedules.create.mutate(data));

export const reportScheduleUpdate = createServerFn({ method: 'POST' })
  .middleware([authGuard('dashboard.report.schedules.update')])
  .validator(inputOf('dashboard.report.schedules.update'))
  .handler(({ data, context }) => context.rpc.dashboard.report.schedules.update.mutate(data));

export const reportScheduleDelete = createServerFn({ method: 'POST' })
  .middleware([authGuard('dashboard.report.schedules.delete')])
  .validator(inputOf('dashboard.report.schedules.delete'))
  .handler(({ data, context }) => context.rpc.dashboard.report.schedules.delete.mutate(data));
