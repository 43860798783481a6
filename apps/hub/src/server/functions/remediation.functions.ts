import { createServerFn } from '@tanstack/react-start';
import { authGuard } from '../guards/auth-guard.ts';
import { inputOf } from '../rpc/procedure-input.ts';

/** The actions an identity offers, each with why it cannot run when it cannot. */
export const getRemediationOffers = createServerFn({ method: 'GET' })
  .middleware([authGuard('scanner.remediation.available')])
  .validator(inputOf('scanner.remediation.available'))
  .handler(({ data, context }) => context.rpc.scanner.remediation.available.query(data));

/** Actions of one identity, or of the realm in one state (those awaiting approval, say). */
export const listRemediations = createServerFn({ method: 'GET' })
  .middleware([authGuard('scanner.remediation.list')])
  .validator(inputOf('scanner.remediation.list'))
  .handler(({ data, context }) => context.rpc.scanner.remediation.list.query(data));

/** The dry run: nothing changes and nothing is stored. */
export const planRemediation = createServerFn({ method: 'POST' })
  .middleware([authGuard('scanner.remediation.plan')])
  .validator(inputOf('scanner.remediation.plan'))
  .handler(({ data, context }) => context.rpc.scanner.remediation.plan.mutate(data));

/** Runs the action, or leaves it waiting for approval when the realm asks for one. */
export const requestRemediation = createServerFn({ method: 'POST' })
  .middleware([authGuard('scanner.remediation.request')])
  .validator(inputOf('scanner.remediation.request'))
  .handler(({ data, context }) => context.rpc.scanner.remediation.request.mutate(data));

export const approveRemediation = createServerFn({ method: 'POST' })
  .middleware([authGuard('scanner.remediation.approve')])
  .validator(inputOf('scanner.remediation.approve'))
  .handler(({ data, context }) => context.rpc.scanner.remediation.approve.mutate(data));

export const rejectRemediation = createServerFn({ method: 'POST' })
  .middleware([authGuard('scanner.remediation.reject')])
  .validator(inputOf('scanner.remediation.reject'))
  .handler(({ data, context }) => context.rpc.scanner.remediation.reject.mutate(data));

/** Whether the realm allows remediation and asks for approval. */
export const getRemediationSettings = createServerFn({ method: 'GET' })
  .middleware([authGuard('scanner.remediation.settings')])
  .handler(({ context }) => context.rpc.scanner.remediation.settings.query());

export const configureRemediation = createServerFn({ method: 'POST' })
  .middleware([authGuard('scanner.remediation.configure')])
  .validator(inputOf('scanner.remediation.configure'))
  .handler(({ data, context }) => context.rpc.scanner.remediation.configure.mutate(data));
