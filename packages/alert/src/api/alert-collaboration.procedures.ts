import { authorizedProcedure, router } from '@nhi/platform';
import type { DependencyContainer } from 'tsyringe';
import './alert.permissions.ts';
import { AlertCollaboration } from '../service/alert-collaboration.ts';
import { addAlertCommentInput, alertIdInput, assignAlertInput } from './alert.schema.ts';

const read = () => authorizedProcedure('alert:read');
/** Assigning and commenting are triage, as acknowledging is. */
const triage = () => authorizedProcedure('alert:ack');
const collaboration = (ctx: { scope: { container: DependencyContainer } }) =>
  ctx.scope.container.resolve(AlertCollaboration);

/** alert.assign, alert.assignees, alert.comments.*: part of alert.*, kept apart from the list and lifecycle. */
export const alertCollaborationProcedures = {
  /** Sets or clears who answers for the alert (a member of the realm) and by when. */
  assign: triage()
    .input(assignAlertInput)
    .mutation(({ ctx, input }) => collaboration(ctx).assign(input)),
  /** The realm's members an alert can be assigned to. */
  assignees: triage().query(({ ctx }) => collaboration(ctx).members()),
  comments: router({
    /** Oldest first. */
    list: read()
      .input(alertIdInput)
      .query(({ ctx, input }) => collaboration(ctx).comments(input.id)),
    /** Mentioned members (`@email`) are mailed when the hub has a mail server. */
    add: triage()
      .input(addAlertCommentInput)
      .mutation(({ ctx, input }) => collaboration(ctx).addComment(input)),
  }),
};
