export {
  type EnqueueOptions,
  type JobHandler,
  type JobOptions,
  type JobPayload,
  JobQueue,
  type JobQueueOptions,
  type JobState,
  type RunningJob,
} from './job-queue.ts';
export { JOB_QUEUE } from './tokens.ts';
