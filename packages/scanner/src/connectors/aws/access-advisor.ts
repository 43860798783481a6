import {
  GenerateServiceLastAccessedDetailsCommand,
  GetServiceLastAccessedDetailsCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import type { IdentityFact, ScanWarning } from '../connector.ts';

/**
 * Below this many granted services an identity's grant is narrow enough that a few unused ones are
 * noise (a CI role granted s3, ecr and logs that only pushed images this quarter is not over-granted).
 */
export const unusedServicesMinimumGranted = 10;
/**
 * Used at most this share of what it is granted: a fifth leaves room for a workload's seasonal
 * services while still catching the common case, `*` or a broad managed policy for a few calls.
 */
export const unusedServicesMaximumUsedShare = 0.2;
/**
 * Recent enough to tell current use: a quarter covers monthly and quarterly jobs. AWS tracks up to
 * 400 days, so older use is known, but a service last called a year ago is not what the grant serves.
 */
export const unusedServicesTrackingDays = 90;
/** Service namespaces listed in the evidence: enough to write the narrower policy from. */
const unusedSampleSize = 20;

/** One service an identity may call (IAM access advisor), with its last call when it made one. */
export interface ServiceAccess {
  namespace: string;
  lastAuthenticated: Date | null;
}

export interface AccessAdvisorOptions {
  signal: AbortSignal;
  /** Jobs started and read at once. */
  concurrency?: number;
  /** First wait between polls of a job still IN_PROGRESS; doubles up to a second. */
  pollMs?: number;
  /** Polls of one job before giving up on it (a warning; the rest of the scan stands). */
  maxPolls?: number;
}

const delay = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/**
 * The services each principal may call and when it last did: one GenerateServiceLastAccessedDetails
 * job per ARN, polled with GetServiceLastAccessedDetails until COMPLETED (bounded), page by page.
 */
export async function serviceLastAccessed(
  client: IAMClient,
  arns: readonly string[],
  options: AccessAdvisorOptions,
): Promise<{ byArn: Map<string, ServiceAccess[]>; warnings: ScanWarning[] }> {
  const byArn = new Map<string, ServiceAccess[]>();
  const warnings: ScanWarning[] = [];
  const queue = [...arns];
  const { signal } = options;
  const worker = async () => {
    for (let arn = queue.shift(); arn && !signal.aborted; arn = queue.shift()) {
      try {
        const job = await client.send(
          new GenerateServiceLastAccessedDetailsCommand({ Arn: arn, Granularity: 'SERVICE_LEVEL' }),
          { abortSignal: signal },
        );
        if (!job.JobId) throw new Error('AWS started no access advisor job');
        byArn.set(arn, await readJob(client, job.JobId, options));
      } catch (error) {
        warnings.push({ item: `access advisor (${arn})`, message: (error as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
  return { byArn, warnings };
}

async function readJob(client: IAMClient, jobId: string, options: AccessAdvisorOptions) {
  const services: ServiceAccess[] = [];
  let wait = options.pollMs ?? 250;
  const maxPolls = options.maxPolls ?? 20;
  let marker: string | undefined;
  for (let poll = 1; ; ) {
    const page = await client.send(
      new GetServiceLastAccessedDetailsCommand({ JobId: jobId, Marker: marker }),
      {
        abortSignal: options.signal,
      },
    );
    if (page.JobStatus === 'FAILED') throw new Error(page.Error?.Message ?? 'the access advisor job failed');
    if (page.JobStatus !== 'COMPLETED') {
      if (poll >= maxPolls)
        throw new Error(`the access advisor job did not complete after ${maxPolls} polls`);
      poll += 1;
      await delay(wait, options.signal);
      wait = Math.min(wait * 2, 1000);
      continue;
    }
    for (const service of page.ServicesLastAccessed ?? [])
      if (service.ServiceNamespace)
        services.push({
          namespace: service.ServiceNamespace,
          lastAuthenticated: service.LastAuthenticated ?? null,
        });
    if (!page.IsTruncated || !page.Marker) return services;
    marker = page.Marker;
  }
}

/** `aws.unused_services` when the identity is granted many services and has called few of them lately. */
export function unusedServicesFact(
  arn: string,
  services: readonly ServiceAccess[],
  now: Date,
): IdentityFact | null {
  const granted = new Set(services.map((service) => service.namespace));
  if (granted.size < unusedServicesMinimumGranted) return null;
  const since = now.getTime() - unusedServicesTrackingDays * 86_400_000;
  const used = new Set(
    services
      .filter((service) => service.lastAuthenticated && service.lastAuthenticated.getTime() >= since)
      .map((service) => service.namespace),
  );
  if (used.size > granted.size * unusedServicesMaximumUsedShare) return null;
  const unused = [...granted].filter((namespace) => !used.has(namespace)).sort();
  return {
    kind: 'aws.unused_services',
    subject: `${arn}|unused_services`,
    evidence: {
      granted: granted.size,
      used: used.size,
      unusedSample: unused.slice(0, unusedSampleSize),
      trackingPeriodDays: unusedServicesTrackingDays,
    },
  };
}
