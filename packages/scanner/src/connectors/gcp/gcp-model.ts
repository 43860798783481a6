/** A service account as `gcloud iam service-accounts list` and IAM's REST API return it. */
export interface GcpServiceAccount {
  name?: string;
  projectId?: string;
  uniqueId?: string;
  email?: string;
  displayName?: string;
  description?: string;
  oauth2ClientId?: string;
  disabled?: boolean;
}

/** A key as `gcloud iam service-accounts keys list` and `serviceAccounts.keys.list` return it. */
export interface GcpServiceAccountKey {
  /** `projects/{project}/serviceAccounts/{email}/keys/{keyId}` */
  name?: string;
  keyAlgorithm?: string;
  keyOrigin?: string;
  keyType?: 'USER_MANAGED' | 'SYSTEM_MANAGED' | string;
  validAfterTime?: string;
  validBeforeTime?: string;
  disabled?: boolean;
}

export interface GcpBinding {
  role?: string;
  members?: string[];
  condition?: { title?: string; description?: string; expression?: string };
}

/** An IAM policy as `get-iam-policy` returns it. */
export interface GcpPolicy {
  version?: number;
  etag?: string;
  bindings?: GcpBinding[];
}

/** One entry of Policy Analyzer's `serviceAccountKeyLastAuthentication` activities. */
export interface GcpKeyActivity {
  /** `//iam.googleapis.com/projects/{project}/serviceAccounts/{email}/keys/{keyId}` */
  fullResourceName?: string;
  activityType?: string;
  activity?: {
    lastAuthenticatedTime?: string;
    serviceAccountKey?: { fullResourceName?: string; projectNumber?: string; serviceAccountId?: string };
  };
  observationPeriod?: { startTime?: string; endTime?: string };
}

/** A project as `gcloud projects describe` (or Resource Manager's search) returns it. */
export interface GcpProject {
  projectId?: string;
  name?: string;
  labels?: Record<string, string>;
}

/** The file import: the gcloud answers gathered in one JSON document (docs/sources/gcp.md). */
export interface GcpExport {
  serviceAccounts?: GcpServiceAccount[];
  /** Service-account email → its keys. */
  keys?: Record<string, GcpServiceAccountKey[]>;
  /** `projects/p`, `folders/123`, `organizations/456` → its IAM policy. */
  policies?: Record<string, GcpPolicy>;
  /**
   * Key activity, per project id (a project named with an empty list was queried and had none) or
   * as one list (only the projects it names count as queried).
   */
  keyLastAuthentication?: Record<string, GcpKeyActivity[]> | GcpKeyActivity[];
  /** Projects with their labels, for owner hints. */
  projects?: GcpProject[];
}
