import { createServerFn } from '@tanstack/react-start';
import { authGuard } from '../guards/auth-guard.ts';
import { inputOf } from '../rpc/procedure-input.ts';

/** A page of the realm's pending ownership suggestions, with their count per suggested group. */
export const listOwnerSuggestions = createServerFn({ method: 'GET' })
  .middleware([authGuard('nhi.suggestion.list')])
  .validator(inputOf('nhi.suggestion.list'))
  .handler(({ data, context }) => context.rpc.nhi.suggestion.list.query(data));

/** The pending suggestions of one identity, shown beside its owner. */
export const ownerSuggestionsOfNhi = createServerFn({ method: 'GET' })
  .middleware([authGuard('nhi.suggestion.ofNhi')])
  .validator(inputOf('nhi.suggestion.ofNhi'))
  .handler(({ data, context }) => context.rpc.nhi.suggestion.ofNhi.query(data));

/** A stale expectedVersion of the identity fails with CONFLICT, as an edit does. */
export const acceptOwnerSuggestion = createServerFn({ method: 'POST' })
  .middleware([authGuard('nhi.suggestion.accept')])
  .validator(inputOf('nhi.suggestion.accept'))
  .handler(({ data, context }) => context.rpc.nhi.suggestion.accept.mutate(data));

export const rejectOwnerSuggestion = createServerFn({ method: 'POST' })
  .middleware([authGuard('nhi.suggestion.reject')])
  .validator(inputOf('nhi.suggestion.reject'))
  .handler(({ data, context }) => context.rpc.nhi.suggestion.reject.mutate(data));

/** All of a group's pending suggestions, or none when one no longer applies. */
export const acceptGroupOwnerSuggestions = createServerFn({ method: 'POST' })
  .middleware([authGuard('nhi.suggestion.acceptForGroup')])
  .validator(inputOf('nhi.suggestion.acceptForGroup'))
  .handler(({ data, context }) => context.rpc.nhi.suggestion.acceptForGroup.mutate(data));

/** Runs the ownership rules now, as the end of a scan does. */
export const refreshOwnerSuggestions = createServerFn({ method: 'POST' })
  .middleware([authGuard('nhi.suggestion.refresh')])
  .handler(({ context }) => context.rpc.nhi.suggestion.refresh.mutate());
