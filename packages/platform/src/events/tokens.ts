import type { InjectionToken } from 'tsyringe';
import type { DomainEventRelay } from './domain-event-relay.ts';

/** The process's domain event relay; registered by startPlatform with the job queue. */
export const DOMAIN_EVENT_RELAY: InjectionToken<DomainEventRelay> = Symbol('DomainEventRelay');
