import type { RemediationSettings } from '@nhi/scanner/remediation';
import { useEffect, useState } from 'react';
import {
  configureRemediation,
  getRemediationSettings,
} from '../../server/functions/remediation.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { usePendingAction } from '../shared/use-pending-action.ts';

/**
 * Whether remediation actions may run in the realm at all, and whether each waits for a second
 * member's approval. Each source must allow them too (its form's "Allow remediation").
 */
export function RemediationSettingsCard() {
  const [settings, setSettings] = useState<RemediationSettings | null>(null);
  const { pending, error, run } = usePendingAction();
  // biome-ignore lint/correctness/useExhaustiveDependencies: read once when the page opens; run is a new function each render.
  useEffect(() => {
    void run(getRemediationSettings, (loaded) => setSettings(loaded));
  }, []);
  if (!settings) return <AlertMessage message={error} />;
  const change = (next: RemediationSettings) =>
    run(
      () => configureRemediation({ data: next }),
      (saved) => setSettings(saved),
    );
  return (
    <section
      className="card stack"
      aria-labelledby="remediation-settings-title"
      data-testid="remediation-settings"
    >
      <div className="card-heading">
        <h2 id="remediation-settings-title">Remediation</h2>
        <span className="hint">
          actions at the provider with a source’s credentials, from an identity’s page
        </span>
      </div>
      <div className="form-row">
        <label className="field">
          <span>Allow remediation in this realm</span>
          <input
            type="checkbox"
            checked={settings.enabled}
            disabled={pending}
            onChange={(event) => change({ ...settings, enabled: event.target.checked })}
            data-testid="remediation-enabled"
          />
        </label>
        <label className="field">
          <span>A second member approves each action</span>
          <input
            type="checkbox"
            checked={settings.approval}
            disabled={pending}
            onChange={(event) => change({ ...settings, approval: event.target.checked })}
            data-testid="remediation-approval"
          />
        </label>
      </div>
      <AlertMessage message={error} />
    </section>
  );
}
