import { z } from 'zod';
import { reportCadences } from './report-view.ts';

const name = z.string().trim().min(1, 'Give the schedule a name').max(100);
/** Addresses the report goes to; at most 50, as on an email channel. */
const recipients = z
  .array(z.string().trim().email('Each recipient must be an email address'))
  .min(1, 'Name at least one recipient')
  .max(50, 'At most 50 recipients');

export const createReportScheduleInput = z.object({
  name,
  cadence: z.enum(reportCadences),
  /** One of the realm's email channels: its SMTP settings send the report. */
  channelId: z.string().uuid(),
  recipients,
  enabled: z.boolean().default(true),
});
export type CreateReportScheduleInput = z.input<typeof createReportScheduleInput>;

export const updateReportScheduleInput = z.object({
  id: z.string().uuid(),
  name: name.optional(),
  cadence: z.enum(reportCadences).optional(),
  channelId: z.string().uuid().optional(),
  recipients: recipients.optional(),
  enabled: z.boolean().optional(),
});
export type UpdateReportScheduleInput = z.input<typeof updateReportScheduleInput>;

export const reportScheduleIdInput = z.object({ id: z.string().uuid() });
export type ReportScheduleIdInput = z.input<typeof reportScheduleIdInput>;
