import { z } from 'zod';
import { alertSeverity } from './alert.schema.ts';

/** The shapes of notification channels, shared by the service, the procedures and the UI. */
export const channelTypes = ['webhook', 'slack', 'email', 'jira', 'servicenow'] as const;
export type ChannelType = (typeof channelTypes)[number];
/** Channels that keep a ticket per alert instead of sending messages. */
export const trackerTypes = ['jira', 'servicenow'] as const;
const environments = ['production', 'staging', 'development', 'unknown'] as const;

const httpUrl = z
  .string()
  .url()
  .max(2000)
  .refine((url) => /^https?:\/\//.test(url), 'Use an http or https URL')
  // A password in a URL would be kept in the channel's settings as it was typed, and no request
  // can be sent to such a URL anyway: credentials have fields of their own, which are sealed.
  .refine(
    (url) => !URL.canParse(url) || (!new URL(url).username && !new URL(url).password),
    'Put no user or password in the URL: the credentials have fields of their own',
  );

const routing = {
  name: z.string().trim().min(1).max(100),
  /** Empty: every severity. */
  severities: z.array(alertSeverity).max(4).default([]),
  /** Empty: every rule. */
  ruleIds: z.array(z.string().max(100)).max(100).default([]),
  /** Empty: every environment. */
  environments: z.array(z.enum(environments)).max(4).default([]),
  /**
   * Owner teams (group ids) the channel serves: alerts about identities owned by these groups or
   * any group below them. Empty: every alert. Routes a team's alerts to the team's own channel.
   */
  ownerGroupIds: z.array(z.string().uuid()).max(50).default([]),
  /** One message per this many minutes instead of one per alert. */
  digestMinutes: z.number().int().min(5).max(1440).nullable().default(null),
  /** The hub's address as people open it, for links in messages. */
  hubUrl: httpUrl.optional(),
};

/** What every ticket tracker shares: what closing the ticket does, auto-creation, the webhook secret. */
const tracker = {
  /** Closing the ticket in the tracker resolves the alert, or only acknowledges it. */
  onTicketDone: z.enum(['resolve', 'acknowledge']).default('resolve'),
  /** Tickets opened by the routing rule for new matching alerts; false: only by hand. */
  autoCreate: z.boolean().default(false),
  /** Signs the tracker's webhooks to the hub (X-Hub-Signature: sha256=<HMAC of the body>). */
  webhookSecret: z.string().min(16).max(200).optional(),
};

export const createChannelInput = z.discriminatedUnion('type', [
  z.object({ type: z.literal('webhook'), url: httpUrl, ...routing }),
  z.object({ type: z.literal('slack'), webhookUrl: httpUrl, ...routing }),
  z.object({
    type: z.literal('email'),
    host: z.string().trim().min(1).max(255),
    port: z.number().int().min(1).max(65535).default(587),
    /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
    secure: z.boolean().default(false),
    username: z.string().max(255).optional(),
    password: z.string().max(1000).optional(),
    from: z.string().email(),
    /** The NHI's owner first; these addresses for unowned NHIs (and always when toOwner is off). */
    toOwner: z.boolean().default(true),
    recipients: z.array(z.string().email()).max(50).default([]),
    ...routing,
  }),
  z.object({
    type: z.literal('jira'),
    /** The site, e.g. https://example.atlassian.net (Cloud) or the Data Center base URL. */
    baseUrl: httpUrl,
    /** cloud: REST v3, email + API token, ADF descriptions; datacenter: REST v2, personal access token. */
    flavour: z.enum(['cloud', 'datacenter']).default('cloud'),
    projectKey: z
      .string()
      .trim()
      .regex(/^[A-Z][A-Z0-9_]{0,49}$/, 'A Jira project key: capital letters, digits and _'),
    issueType: z.string().trim().min(1).max(100).default('Task'),
    /** The account the API token belongs to (Cloud only). */
    email: z.string().email().optional(),
    apiToken: z.string().min(1).max(2000),
    ...tracker,
    ...routing,
    /** The workflow transition that closes the ticket when the alert resolves. */
    doneTransition: z.string().trim().min(1).max(100).default('Done'),
  }),
  z.object({
    type: z.literal('servicenow'),
    /** The instance, e.g. https://example.service-now.com. */
    instanceUrl: httpUrl,
    table: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,79}$/, 'A ServiceNow table name')
      .default('incident'),
    username: z.string().trim().min(1).max(255),
    password: z.string().min(1).max(1000),
    assignmentGroup: z.string().trim().max(255).optional(),
    ...tracker,
    ...routing,
    /** What resolving the alert writes on the record (incident: state 6 Resolved with a close code). */
    resolvedState: z.string().trim().min(1).max(40).default('6'),
    closeCode: z.string().trim().min(1).max(100).default('Solved (Permanently)'),
  }),
]);
export type CreateChannelInput = z.input<typeof createChannelInput>;

export const updateChannelInput = z.object({
  id: z.string().uuid(),
  enabled: z.boolean().optional(),
  name: routing.name.optional(),
  severities: routing.severities.unwrap().optional(),
  ruleIds: routing.ruleIds.unwrap().optional(),
  environments: routing.environments.unwrap().optional(),
  ownerGroupIds: routing.ownerGroupIds.unwrap().optional(),
  digestMinutes: z.number().int().min(5).max(1440).nullable().optional(),
  /**
   * Ticket trackers only: a new credential, account or webhook secret, sealed as at creation. Each
   * is optional; one left out keeps what the channel has. Jira takes apiToken and email,
   * ServiceNow password and username; both take webhookSecret.
   */
  apiToken: z.string().min(1).max(2000).optional(),
  email: z.string().email().optional(),
  password: z.string().min(1).max(1000).optional(),
  username: z.string().trim().min(1).max(255).optional(),
  /** A new webhook secret; null removes it, and the channel's webhook then accepts no delivery. */
  webhookSecret: tracker.webhookSecret.unwrap().nullable().optional(),
  /**
   * Ticket trackers only: the tracker's new address (Jira baseUrl, ServiceNow instanceUrl), checked
   * as at creation. The channel keeps its tickets; their links move to the new address.
   */
  url: httpUrl.optional(),
});
export type UpdateChannelInput = z.input<typeof updateChannelInput>;

export const channelIdInput = z.object({ id: z.string().uuid() });

export const listDeliveriesInput = z.object({
  states: z
    .array(z.enum(['pending', 'sending', 'delivered', 'dead']))
    .max(4)
    .optional(),
  channelId: z.string().uuid().optional(),
  limit: z.number().int().min(1).max(500).default(100),
});
export type ListDeliveriesInput = z.input<typeof listDeliveriesInput>;

export const notificationIdsInput = z.object({ ids: z.array(z.string().uuid()).min(1).max(500) });

export const createTicketInput = z.object({ alertId: z.string().uuid(), channelId: z.string().uuid() });
export type CreateTicketInput = z.input<typeof createTicketInput>;

export const createTicketsInput = z.object({
  alertIds: z.array(z.string().uuid()).min(1).max(500),
  channelId: z.string().uuid(),
});
export type CreateTicketsInput = z.input<typeof createTicketsInput>;

export const syncTicketsInput = z.object({ channelId: z.string().uuid() });
