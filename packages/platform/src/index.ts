// The public face of @nhi/platform. Domains and apps import from here only.
import 'reflect-metadata';

export * from './auth/index.ts';
export * from './config/config.ts';
export * from './context/request-context.ts';
export * from './database/index.ts';
export * from './di/container.ts';
export * from './di/tokens.ts';
export * from './errors/domain-errors.ts';
export * from './events/index.ts';
export * from './fingerprints/index.ts';
export * from './guards/cookies.ts';
export * from './guards/http-status.ts';
export * from './guards/request-scope.ts';
export * from './guards/same-origin.ts';
export * from './input/index.ts';
export * from './jobs/index.ts';
export * from './logging/logger.ts';
export * from './metrics/metrics.ts';
export * from './runtime/platform-runtime.ts';
export * from './trpc/procedure-permissions.ts';
export * from './trpc/trpc.ts';
export * from './trpc/trpc-errors.ts';
export * from './validation/parse-input.ts';
export * from './whoami/whoami.procedures.ts';
export * from './whoami/whoami.service.ts';
