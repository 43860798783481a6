import { z } from 'zod';

export const remediationActionKeys = [
  'aws.access_key.deactivate',
  'aws.access_key.delete',
  'aws.login_profile.delete',
  'github.deploy_key.delete',
  'github.installation.repository_remove',
  'kubernetes.token_secret.delete',
] as const;
export type RemediationActionKey = (typeof remediationActionKeys)[number];

export const remediationStates = ['awaiting_approval', 'rejected', 'running', 'succeeded', 'failed'] as const;
export type RemediationState = (typeof remediationStates)[number];

export const remediationNhiInput = z.object({ nhiId: z.string().uuid() });

export const remediationPlanInput = z.object({
  nhiId: z.string().uuid(),
  action: z.enum(remediationActionKeys),
  /** The credential the action addresses (a key); absent for actions about the identity itself. */
  credentialId: z.string().uuid().optional(),
  /** The repository an action about several names (`acme/api`, or `api` of the identity's organisation). */
  repository: z
    .string()
    .trim()
    .min(1, 'Name the repository')
    .max(200)
    .regex(/^[\w.-]+(?:\/[\w.-]+)?$/, 'A repository is `owner/name` or `name`')
    .optional(),
});
export type RemediationPlanInput = z.input<typeof remediationPlanInput>;

export const remediationIdInput = z.object({ id: z.string().uuid() });

export const rejectRemediationInput = z.object({
  id: z.string().uuid(),
  reason: z.string().trim().min(1, 'Say why the action is rejected').max(1000),
});
export type RejectRemediationInput = z.input<typeof rejectRemediationInput>;

export const listRemediationsInput = z.object({
  nhiId: z.string().uuid().optional(),
  state: z.enum(remediationStates).optional(),
  limit: z.number().int().min(1).max(200).default(50),
});
export type ListRemediationsInput = z.input<typeof listRemediationsInput>;

export const remediationSettingsInput = z.object({
  enabled: z.boolean(),
  /** Each action waits for a second member's approval before it runs. */
  approval: z.boolean(),
});
export type RemediationSettingsInput = z.input<typeof remediationSettingsInput>;

export interface RemediationSettings {
  enabled: boolean;
  approval: boolean;
}

/** The dry run: what will change and what may break. Nothing is stored when it is only asked for. */
export interface RemediationPlan {
  action: RemediationActionKey;
  label: string;
  nhi: { id: string; name: string };
  credentialId: string | null;
  source: { id: string; name: string };
  summary: string;
  lastUse: { at: string | null; service: string | null; region: string | null } | null;
  /** Where the identity or credential is used: workloads, leaks of the secret, findings. */
  usedBy: string[];
  otherCredentials: string[];
  risks: string[];
  /** Whether the request waits for a second member's approval. */
  needsApproval: boolean;
}

/** What the identity offers, and whether the realm and its source allow remediation at all. */
export interface RemediationAvailability {
  settings: RemediationSettings;
  source: { id: string; name: string; allowsRemediation: boolean } | null;
  actions: {
    action: RemediationActionKey;
    label: string;
    credentialId: string | null;
    targetLabel: string;
    available: boolean;
    reason: string | null;
    /** The requester names the repository (`repository`) the action is about. */
    takesRepository: boolean;
  }[];
}

export interface RemediationView {
  id: string;
  nhi: { id: string; name: string };
  credentialId: string | null;
  source: { id: string; name: string };
  action: RemediationActionKey;
  label: string;
  /** The provider's ids as the inventory shows them (a key's hint, never its full id). */
  target: Record<string, string | number>;
  plan: RemediationPlan;
  state: RemediationState;
  reason: string | null;
  requestedById: string | null;
  decidedById: string | null;
  decidedAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** The provider's answer: its request id and status, never a secret. */
  providerResponse: { requestId: string | null; httpStatus: number | null; result: string } | null;
  error: string | null;
  scanId: string | null;
  createdAt: Date;
  /** Whether the caller may approve or reject it (a remediator other than the requester). */
  canDecide: boolean;
}
