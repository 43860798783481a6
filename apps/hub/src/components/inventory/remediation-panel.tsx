import type { RemediationAvailability, RemediationPlan, RemediationView } from '@nhi/scanner/remediation';
import { Link } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import {
  approveRemediation,
  getRemediationOffers,
  listRemediations,
  planRemediation,
  rejectRemediation,
  requestRemediation,
} from '../../server/functions/remediation.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { useFailureMessage } from '../shared/use-failure-message.ts';
import { usePendingAction } from '../shared/use-pending-action.ts';

type Panel = { available: RemediationAvailability; actions: RemediationView[]; awaiting: RemediationView[] };
type Offer = RemediationAvailability['actions'][number];

const stateLabel: Record<RemediationView['state'], string> = {
  awaiting_approval: 'Awaiting approval',
  rejected: 'Rejected',
  running: 'Running',
  succeeded: 'Done',
  failed: 'Failed',
};

const day = (value: Date | string | null) => (value ? new Date(value).toISOString().slice(0, 10) : '—');

async function loadPanel(nhiId: string): Promise<Panel> {
  const available = await getRemediationOffers({ data: { nhiId } });
  const actions = await listRemediations({ data: { nhiId } });
  const awaiting = await listRemediations({ data: { state: 'awaiting_approval' } });
  return { available, actions, awaiting } as Panel;
}

/** Asked for when the page shows it: the offers read the source, not the provider. */
function useRemediationPanel(nhiId: string) {
  const [panel, setPanel] = useState<Panel | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const failureMessage = useFailureMessage();
  // biome-ignore lint/correctness/useExhaustiveDependencies: loaded per identity and on reload; failureMessage is a new function each render.
  useEffect(() => {
    let current = true;
    // One after the other: the embedded database serves one transaction at a time.
    loadPanel(nhiId)
      .then((loaded) => {
        if (current) setPanel(loaded);
      })
      .catch(async (failure: unknown) => {
        const message = await failureMessage(failure);
        if (current) setError(message);
      });
    return () => {
      current = false;
    };
  }, [nhiId, generation]);
  return { panel, error, reload: () => setGeneration((value) => value + 1) };
}

/**
 * Remediation at the provider: the actions the identity offers, a dry run of the chosen one, then
 * Run (or Request approval); the identity's actions so far and the realm's actions awaiting approval.
 */
export function RemediationPanel({ nhiId, onChanged }: { nhiId: string; onChanged: () => Promise<void> }) {
  const { panel, error, reload } = useRemediationPanel(nhiId);
  const [chosen, setChosen] = useState<{ offer: Offer; plan: RemediationPlan; repository: string } | null>(
    null,
  );
  // The repository typed for each offer that asks for one, by the offer's action.
  const [repositories, setRepositories] = useState<Record<string, string>>({});
  const { pending, error: actionError, run } = usePendingAction();
  const done = async () => {
    setChosen(null);
    reload();
    await onChanged();
  };

  if (error) return <AlertMessage message={error} testId="remediation-error" />;
  if (!panel)
    return (
      <p className="muted" role="status" data-testid="remediation-loading">
        Loading remediation…
      </p>
    );
  const { available, actions, awaiting } = panel;
  const input = (offer: Offer, repository: string) => ({
    nhiId,
    action: offer.action,
    ...(offer.credentialId ? { credentialId: offer.credentialId } : {}),
    ...(offer.takesRepository ? { repository: repository.trim() } : {}),
  });
  const othersAwaiting = awaiting.filter((action) => action.nhi.id !== nhiId);

  return (
    <section className="card stack" aria-labelledby="remediation-title" data-testid="remediation-panel">
      <div className="card-heading">
        <h2 id="remediation-title">Remediate</h2>
        <span className="hint">
          {available.settings.enabled
            ? available.settings.approval
              ? 'at the provider · a second member approves'
              : 'at the provider'
            : 'off in this realm'}
          {available.source ? ` · with source ${available.source.name}` : ''}
        </span>
      </div>
      {available.actions.length === 0 ? (
        <p className="muted" data-testid="remediation-none">
          No remediation action for this identity.
        </p>
      ) : (
        <ul className="stack remediation-offers" data-testid="remediation-offers">
          {available.actions.map((offer) => (
            <li key={`${offer.action}:${offer.credentialId ?? ''}`} data-testid="remediation-offer">
              {offer.takesRepository && offer.available ? (
                <input
                  aria-label="Repository"
                  placeholder="owner/repository"
                  value={repositories[offer.action] ?? ''}
                  onChange={(event) =>
                    setRepositories((typed) => ({ ...typed, [offer.action]: event.target.value }))
                  }
                  data-testid="remediation-repository"
                />
              ) : null}
              <button
                type="button"
                className="button secondary small"
                disabled={
                  !offer.available ||
                  pending ||
                  (offer.takesRepository && !(repositories[offer.action] ?? '').trim())
                }
                onClick={() => {
                  const repository = repositories[offer.action] ?? '';
                  run(
                    () => planRemediation({ data: input(offer, repository) }),
                    (plan) => setChosen({ offer, plan, repository }),
                  );
                }}
                data-testid={`remediation-dry-run-${offer.action}`}
              >
                {offer.label}: {offer.targetLabel}
              </button>
              {offer.reason ? <span className="hint"> {offer.reason}</span> : null}
            </li>
          ))}
        </ul>
      )}
      {chosen ? (
        <DryRun
          plan={chosen.plan}
          pending={pending}
          onRun={() => run(() => requestRemediation({ data: input(chosen.offer, chosen.repository) }), done)}
          onCancel={() => setChosen(null)}
        />
      ) : null}
      <AlertMessage message={actionError} testId="remediation-action-error" />
      {actions.length > 0 ? (
        <ActionList
          title="Actions on this identity"
          actions={actions}
          onDecided={done}
          testId="remediation-actions"
        />
      ) : null}
      {othersAwaiting.length > 0 ? (
        <ActionList
          title="Awaiting approval elsewhere in the realm"
          actions={othersAwaiting}
          onDecided={done}
          testId="remediation-awaiting"
        />
      ) : null}
    </section>
  );
}

function DryRun({
  plan,
  pending,
  onRun,
  onCancel,
}: {
  plan: RemediationPlan;
  pending: boolean;
  onRun: () => void;
  onCancel: () => void;
}) {
  return (
    <div className="stack remediation-plan" data-testid="remediation-plan">
      <h3>Dry run</h3>
      <p data-testid="remediation-summary">{plan.summary}</p>
      {plan.lastUse ? (
        <p className="muted">
          Last used {day(plan.lastUse.at)}
          {plan.lastUse.service ? ` · ${plan.lastUse.service}` : ''}
          {plan.lastUse.region ? ` · ${plan.lastUse.region}` : ''}
        </p>
      ) : null}
      {plan.usedBy.length > 0 ? <Bullets title="Where it is used" items={plan.usedBy} /> : null}
      {plan.otherCredentials.length > 0 ? <Bullets title="Other keys" items={plan.otherCredentials} /> : null}
      <Bullets title="What may break" items={plan.risks} />
      <div className="form-actions">
        <button
          type="button"
          className="button small"
          onClick={onRun}
          disabled={pending}
          data-testid="remediation-run"
        >
          {pending ? 'Working…' : plan.needsApproval ? 'Request approval' : 'Run'}
        </button>
        <button type="button" className="button secondary small" onClick={onCancel} disabled={pending}>
          Cancel
        </button>
      </div>
    </div>
  );
}

function Bullets({ title, items }: { title: string; items: string[] }) {
  return (
    <div>
      <h4>{title}</h4>
      <ul>
        {items.map((item) => (
          <li key={item}>{item}</li>
        ))}
      </ul>
    </div>
  );
}

function ActionList({
  title,
  actions,
  onDecided,
  testId,
}: {
  title: string;
  actions: RemediationView[];
  onDecided: () => Promise<void>;
  testId: string;
}) {
  return (
    <div className="stack">
      <h3>{title}</h3>
      <div className="table-scroll">
        <table className="table compact" data-testid={testId}>
          <thead>
            <tr>
              <th scope="col">Requested</th>
              <th scope="col">Identity</th>
              <th scope="col">Action</th>
              <th scope="col">State</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {actions.map((action) => (
              <ActionRow key={action.id} action={action} onDecided={onDecided} />
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function ActionRow({ action, onDecided }: { action: RemediationView; onDecided: () => Promise<void> }) {
  const [reason, setReason] = useState('');
  const { pending, error, run } = usePendingAction();
  return (
    <tr data-testid="remediation-row" data-state={action.state}>
      <td>{day(action.createdAt)}</td>
      <td>
        <Link to="/inventory/$id" params={{ id: action.nhi.id }}>
          {action.nhi.name}
        </Link>
      </td>
      <td>{action.plan.summary}</td>
      <td data-testid="remediation-state">{stateLabel[action.state]}</td>
      <td>
        {action.error ??
          action.reason ??
          (action.providerResponse ? String(action.providerResponse.result ?? '') : '')}
        {action.canDecide ? (
          <span className="inline-form">
            <button
              type="button"
              className="button small"
              disabled={pending}
              onClick={() => run(() => approveRemediation({ data: { id: action.id } }), onDecided)}
              data-testid="remediation-approve"
            >
              Approve and run
            </button>
            <input
              aria-label="Why reject"
              placeholder="Why reject"
              value={reason}
              onChange={(event) => setReason(event.target.value)}
            />
            <button
              type="button"
              className="button secondary small"
              disabled={pending || !reason.trim()}
              onClick={() => run(() => rejectRemediation({ data: { id: action.id, reason } }), onDecided)}
              data-testid="remediation-reject"
            >
              Reject
            </button>
          </span>
        ) : null}
        <AlertMessage message={error} inline />
      </td>
    </tr>
  );
}
