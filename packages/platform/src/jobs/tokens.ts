import type { InjectionToken } from 'tsyringe';
import type { JobQueue } from './job-queue.ts';

/** The process's job queue; registered by startPlatform when it was asked to run jobs. */
export const JOB_QUEUE: InjectionToken<JobQueue> = Symbol('JobQueue');
