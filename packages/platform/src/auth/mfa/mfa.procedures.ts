import { ValidationError } from '../../errors/domain-errors.ts';
import type { RequestScope } from '../../guards/request-scope.ts';
import { authorizedProcedure, router } from '../../rpc/trpc.ts';
import { beginMfaInput, confirmMfaInput, disableMfaInput, realmMfaRequirementInput } from './mfa.schema.ts';
import { type MfaActor, MfaService } from './mfa.service.ts';

/** Second factors and sessions are the hub's, whichever instance serves the realm. */
const hubOnly = { hubOnly: true } as const;

type Scope = Pick<RequestScope, 'container' | 'context'>;

/** A second factor is the person's: an API token acting for them may not change it. */
function actorOf(scope: Scope): MfaActor {
  const { principal, realm, requestId } = scope.context;
  if (principal.kind !== 'user') {
    throw new ValidationError('A second factor is changed from a browser session, not with an API token');
  }
  return { principal, realmId: realm.id, requestId };
}

function mfa(scope: Scope): MfaService {
  return scope.container.resolve(MfaService);
}

/** platform.mfa: the caller's TOTP second factor, and whether the current realm requires one. */
export const mfaRouter = router({
  status: authorizedProcedure('account:manage', hubOnly).query(({ ctx }) =>
    mfa(ctx.scope).status(actorOf(ctx.scope).principal.userId),
  ),
  /** The answer carries the secret: shown while enrolment waits for its first code, never again. */
  begin: authorizedProcedure('account:manage', hubOnly)
    .input(beginMfaInput)
    .mutation(({ ctx, input }) =>
      mfa(ctx.scope).beginEnrolment(actorOf(ctx.scope).principal.userId, input.password),
    ),
  /** The answer carries the recovery codes: the only time they are shown. */
  confirm: authorizedProcedure('account:manage', hubOnly)
    .input(confirmMfaInput)
    .mutation(({ ctx, input }) => mfa(ctx.scope).confirmEnrolment(actorOf(ctx.scope), input.code)),
  disable: authorizedProcedure('account:manage', hubOnly)
    .input(disableMfaInput)
    .mutation(async ({ ctx, input }) => {
      const { password, ...proof } = input;
      await mfa(ctx.scope).disable(actorOf(ctx.scope), password, proof);
      return { enabled: false };
    }),
  realmRequirement: authorizedProcedure('member:manage', hubOnly).query(({ ctx }) =>
    mfa(ctx.scope).realmRequirement(ctx.scope.context.realm.id),
  ),
  setRealmRequirement: authorizedProcedure('member:manage', hubOnly)
    .input(realmMfaRequirementInput)
    .mutation(({ ctx, input }) => mfa(ctx.scope).setRealmRequirement(actorOf(ctx.scope), input.required)),
});
