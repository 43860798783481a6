import {
  AlertChannelService,
  type AlertDetail,
  type AlertListPage,
  AlertService,
  type ChannelView,
  type DeliveryView,
  type NhiRisk,
  type RuleView,
  type TransitionResult,
} from '@nhi/alert';
import type { CreateChannelInput, ListDeliveriesInput, UpdateChannelInput } from '@nhi/alert/channels';
import type { AlertIdsInput, ListAlertsInput, SuppressAlertsInput } from '@nhi/alert/schema';
import type { JsonValue as Json } from '@nhi/nhi';
import type { RequestScope } from '@nhi/platform';

export interface AlertAbilities {
  ack: boolean;
  configure: boolean;
}

export type AlertDetailView = Omit<AlertDetail, 'evidence'> & { evidence: { [key: string]: Json } };
export type ChannelPublicView = Omit<ChannelView, 'settings'> & { settings: { [key: string]: Json } };

function abilitiesOf(scope: RequestScope): AlertAbilities {
  return { ack: scope.permissions.has('alert:ack'), configure: scope.permissions.has('alert:configure') };
}

const alerts = (scope: RequestScope) => scope.container.resolve(AlertService);
const channels = (scope: RequestScope) => scope.container.resolve(AlertChannelService);

export async function alertListOf(
  scope: RequestScope,
  input: ListAlertsInput,
): Promise<AlertListPage & { can: AlertAbilities; asOf: Date }> {
  return { ...(await alerts(scope).list(input)), can: abilitiesOf(scope), asOf: scope.context.clock.now() };
}

export async function alertPageOf(scope: RequestScope, id: string) {
  return {
    alert: (await alerts(scope).get(id)) as AlertDetailView,
    can: abilitiesOf(scope),
    asOf: scope.context.clock.now(),
  };
}

export const acknowledgeFor = (scope: RequestScope, input: AlertIdsInput): Promise<TransitionResult> =>
  alerts(scope).acknowledge(input);
export const resolveFor = (scope: RequestScope, input: AlertIdsInput): Promise<TransitionResult> =>
  alerts(scope).resolve(input);
export const suppressFor = (scope: RequestScope, input: SuppressAlertsInput): Promise<TransitionResult> =>
  alerts(scope).suppress(input);

export async function evaluateFor(
  scope: RequestScope,
): Promise<{ opened: number; resolved: number; reopened: number }> {
  const { opened, resolved, reopened } = await alerts(scope).evaluateNow();
  return { opened, resolved, reopened };
}

export async function rulesOf(scope: RequestScope): Promise<{ rules: RuleView[]; can: AlertAbilities }> {
  return { rules: await alerts(scope).rules(), can: abilitiesOf(scope) };
}

export const configureRuleFor = (
  scope: RequestScope,
  input: { ruleId: string; enabled?: boolean; thresholds?: Record<string, number | null> },
): Promise<RuleView> => alerts(scope).configureRule(input);

export const riskOf = (scope: RequestScope, nhiId: string): Promise<NhiRisk> => alerts(scope).risk(nhiId);

export async function channelsPageOf(
  scope: RequestScope,
  input: ListDeliveriesInput,
): Promise<{ channels: ChannelPublicView[]; deliveries: DeliveryView[] }> {
  const list = (await channels(scope).list()) as ChannelPublicView[];
  return { channels: list, deliveries: await channels(scope).deliveries(input) };
}

export async function createChannelFor(scope: RequestScope, input: CreateChannelInput) {
  const created = await channels(scope).create(input);
  return { id: created.id, signingSecret: created.signingSecret ?? null };
}

export const updateChannelFor = async (scope: RequestScope, input: UpdateChannelInput) => {
  await channels(scope).update(input);
  return { ok: true };
};
export const deleteChannelFor = async (scope: RequestScope, id: string) => {
  await channels(scope).remove(id);
  return { ok: true };
};
export const testChannelFor = (scope: RequestScope, id: string) => channels(scope).sendTest(id);
export const retryDeliveriesFor = (scope: RequestScope, ids: string[]) => channels(scope).retry({ ids });
