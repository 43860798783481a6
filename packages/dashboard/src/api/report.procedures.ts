import { authorizedProcedure, router } from '@nhi/platform';
import './dashboard.permissions.ts';
import { PostureReportService } from '../service/posture-report.ts';
import { ReportScheduleService } from '../service/report-schedules.ts';
import {
  createReportScheduleInput,
  reportScheduleIdInput,
  updateReportScheduleInput,
} from './report.schema.ts';

/** dashboard.report.*: the realm's posture report and the schedules that mail it. */
export const reportRouter = router({
  /** The report as it stands now, with what changed since the last one produced; stores nothing. */
  preview: authorizedProcedure('report:read').query(({ ctx }) =>
    ctx.scope.container.resolve(PostureReportService).preview(),
  ),
  /** Produces the report and keeps it: the next report says what changed since this one. */
  produce: authorizedProcedure('report:read').mutation(({ ctx }) =>
    ctx.scope.container.resolve(PostureReportService).produce(),
  ),
  schedules: router({
    list: authorizedProcedure('report:manage').query(({ ctx }) =>
      ctx.scope.container.resolve(ReportScheduleService).list(),
    ),
    create: authorizedProcedure('report:manage')
      .input(createReportScheduleInput)
      .mutation(({ ctx, input }) => ctx.scope.container.resolve(ReportScheduleService).create(input)),
    update: authorizedProcedure('report:manage')
      .input(updateReportScheduleInput)
      .mutation(({ ctx, input }) => ctx.scope.container.resolve(ReportScheduleService).update(input)),
    delete: authorizedProcedure('report:manage')
      .input(reportScheduleIdInput)
      .mutation(({ ctx, input }) => ctx.scope.container.resolve(ReportScheduleService).delete(input)),
  }),
});
