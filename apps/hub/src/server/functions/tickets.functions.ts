import { createServerFn } from '@tanstack/react-start';
import { authGuard } from '../guards/auth-guard.ts';
import { inputOf } from '../rpc/procedure-input.ts';

/** The realm's enabled ticket trackers, for the "Create ticket" picker. */
export const listTicketTrackers = createServerFn({ method: 'GET' })
  .middleware([authGuard('alert.tickets.trackers')])
  .handler(({ context }) => context.rpc.alert.tickets.trackers.query());

/** The alert's ticket on a tracker: the existing one for its fingerprint, or a new one queued. */
export const createAlertTicket = createServerFn({ method: 'POST' })
  .middleware([authGuard('alert.tickets.create')])
  .validator(inputOf('alert.tickets.create'))
  .handler(({ data, context }) => context.rpc.alert.tickets.create.mutate(data));

/** Tickets for the selected alerts, one per fingerprint. */
export const createAlertTickets = createServerFn({ method: 'POST' })
  .middleware([authGuard('alert.tickets.createMany')])
  .validator(inputOf('alert.tickets.createMany'))
  .handler(({ data, context }) => context.rpc.alert.tickets.createMany.mutate(data));

/** Reads the tracker's changes now: closed tickets resolve or acknowledge their alerts. */
export const syncAlertTickets = createServerFn({ method: 'POST' })
  .middleware([authGuard('alert.tickets.sync')])
  .validator(inputOf('alert.tickets.sync'))
  .handler(({ data, context }) => context.rpc.alert.tickets.sync.mutate(data));
