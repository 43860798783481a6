export {
  type DomainEventJobPayload,
  DomainEventRelay,
  type DomainEventRelayOptions,
} from './domain-event-relay.ts';
export { type DomainEventInput, publishDomainEvent } from './domain-events.ts';
export { DOMAIN_EVENT_RELAY } from './tokens.ts';
