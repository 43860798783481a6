import { nhiEnvironments, nhiProviders } from '@nhi/nhi/vocabulary';
import { storableDate } from '@nhi/platform/input';
import { z } from 'zod';

/** The shapes of alerts, shared by the service, the tRPC procedures and the UI. */
export const alertStates = ['open', 'acknowledged', 'resolved', 'suppressed'] as const;
export const alertSeverities = ['low', 'medium', 'high', 'critical'] as const;
export const owaspIds = [
  'NHI1',
  'NHI2',
  'NHI3',
  'NHI4',
  'NHI5',
  'NHI6',
  'NHI7',
  'NHI8',
  'NHI9',
  'NHI10',
] as const;

/** The triage queue: what still needs someone. Suppressed and resolved alerts show only when asked for. */
export const alertQueueStates = ['open', 'acknowledged'] as const;
/** changed: when the state last changed; risk: the identity's risk score; identity: its name. */
export const alertSortKeys = ['changed', 'severity', 'risk', 'firstSeen', 'lastSeen', 'identity'] as const;
export type AlertSortKey = (typeof alertSortKeys)[number];

export const alertState = z.enum(alertStates);
export const alertSeverity = z.enum(alertSeverities);

export const listAlertsInput = z.object({
  states: z.array(alertState).max(4).optional(),
  severities: z.array(alertSeverity).max(4).optional(),
  ruleId: z.string().max(100).optional(),
  owaspId: z.enum(owaspIds).optional(),
  ownerUserId: z.string().uuid().optional(),
  /** Alerts about live identities of these environments or sources (alerts without one drop out). */
  environments: z.array(z.enum(nhiEnvironments)).max(nhiEnvironments.length).optional(),
  providers: z.array(z.enum(nhiProviders)).max(nhiProviders.length).optional(),
  /** Alerts about live identities these scanner sources (ids) report. */
  sources: z.array(z.string().uuid()).max(50).optional(),
  nhiId: z.string().uuid().optional(),
  /** Alerts about identities a group of the realm (an owner team) answers for. */
  ownerGroupId: z.string().uuid().optional(),
  /** Alerts about identities whose name contains this text (any case). */
  identity: z.string().trim().min(1).max(200).optional(),
  /** The order of the list; each key has its own natural direction unless `order` says otherwise. */
  sort: z.enum(alertSortKeys).default('changed'),
  order: z.enum(['asc', 'desc']).optional(),
  /** The id of the last alert of the previous page: the page after it. */
  cursor: z.string().uuid().optional(),
  /** The id of the first alert of the next page: the page before it (ignored with cursor). */
  before: z.string().uuid().optional(),
  limit: z.number().int().min(1).max(500).default(50),
});
export type ListAlertsInput = z.input<typeof listAlertsInput>;

/** The alerts the list's filters match, counted per rule or per identity. */
export const alertGroupsInput = listAlertsInput
  .omit({ sort: true, order: true, cursor: true, before: true, limit: true })
  .extend({ by: z.enum(['rule', 'identity']) });
export type AlertGroupsInput = z.input<typeof alertGroupsInput>;

export const alertIdInput = z.object({ id: z.string().uuid() });

export const alertIdsInput = z.object({
  ids: z.array(z.string().uuid()).min(1).max(500),
  comment: z.string().trim().max(1000).optional(),
});
export type AlertIdsInput = z.input<typeof alertIdsInput>;

export const suppressAlertsInput = z.object({
  ids: z.array(z.string().uuid()).min(1).max(500),
  reason: z.string().trim().min(3, 'Say why the alert is suppressed').max(1000),
  /** After this instant the alert reopens if its condition still holds. */
  until: storableDate(),
});
export type SuppressAlertsInput = z.input<typeof suppressAlertsInput>;

export const configureRuleInput = z.object({
  ruleId: z.string().max(100),
  enabled: z.boolean().optional(),
  /** Days; keys are the rule's threshold keys. null returns a threshold to its default. */
  thresholds: z.record(z.string(), z.number().int().nullable()).optional(),
});
export type ConfigureRuleInput = z.input<typeof configureRuleInput>;

export const nhiRiskInput = z.object({ nhiId: z.string().uuid() });

/** Sets or clears an alert's assignee (a member of the realm) and due date; null clears. */
export const assignAlertInput = z.object({
  id: z.string().uuid(),
  assigneeId: z.string().uuid().nullable(),
  /** Only with an assignee: clearing the assignee clears the due date too. */
  dueAt: storableDate().nullable().default(null),
});
export type AssignAlertInput = z.input<typeof assignAlertInput>;

/** Plain text; `@email` of a realm member mentions them (they get a mail). */
export const addAlertCommentInput = z.object({
  /** The alert's id. */
  id: z.string().uuid(),
  body: z.string().trim().min(1, 'Write something').max(4000),
});
export type AddAlertCommentInput = z.input<typeof addAlertCommentInput>;
