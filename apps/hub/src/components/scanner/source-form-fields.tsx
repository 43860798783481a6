import type { SourceType } from '@nhi/scanner/schema';
import { sourceEnvironments, sourceFieldsOf } from './source-fields.ts';

/** The environment a source's identities are labelled with. */
export function SourceEnvironmentField({ defaultValue }: { defaultValue: string }) {
  return (
    <label className="field">
      <span>Environment</span>
      <select name="environment" defaultValue={defaultValue}>
        {sourceEnvironments.map((value) => (
          <option key={value} value={value}>
            {value}
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * The settings and credentials a source type asks for. `stored` describes an existing source: its
 * settings fill the fields, and each credential says whether one is stored (never what it is).
 */
export function SourceSettingFields({
  type,
  stored,
}: {
  type: SourceType;
  stored?: { settings: Record<string, unknown>; secretNames: readonly string[] };
}) {
  const fields = sourceFieldsOf[type];
  return (
    <>
      <div className="form-row">
        {fields.settings.map(([key, label]) => (
          <label className="field grow" key={key}>
            <span>{label}</span>
            <input
              name={`setting.${key}`}
              defaultValue={String(stored?.settings[key] ?? '')}
              autoComplete="off"
            />
          </label>
        ))}
        {type === 'secrets' ? (
          <label className="field">
            <span>Git history</span>
            <input
              type="checkbox"
              name="setting.history"
              defaultChecked={stored?.settings.history === true}
            />
          </label>
        ) : null}
        {type === 'secrets' ? (
          <label className="field">
            <span>Verify found secrets</span>
            <input
              type="checkbox"
              name="setting.verify"
              defaultChecked={stored?.settings.verify === true}
              data-testid="source-verify"
            />
          </label>
        ) : null}
        {type !== 'secrets' ? (
          <label className="field">
            <span>Allow remediation</span>
            <input
              type="checkbox"
              name="setting.remediation"
              defaultChecked={stored?.settings.remediation === true}
              data-testid="source-remediation"
            />
          </label>
        ) : null}
        {fields.secrets.map(([key, label, shape]) => {
          const placeholder = stored
            ? stored.secretNames.includes(key)
              ? 'stored; blank keeps it'
              : 'not set'
            : undefined;
          // Masked like a password field, but keeps the line breaks of what is pasted.
          return shape === 'multiline' ? (
            <label className="field grow" key={key}>
              <span>{label}</span>
              <textarea
                name={`secret.${key}`}
                className="secret-text"
                rows={3}
                autoComplete="off"
                spellCheck={false}
                placeholder={placeholder}
              />
            </label>
          ) : (
            <label className="field grow" key={key}>
              <span>{label}</span>
              <input name={`secret.${key}`} type="password" autoComplete="off" placeholder={placeholder} />
            </label>
          );
        })}
      </div>
      {type === 'secrets' ? (
        <p className="hint">
          Verify found secrets (off by default): each distinct AWS key pair, GitHub, GitLab or Slack token
          found is sent once to its provider in a read-only identity call, to tell live secrets from revoked
          ones. The provider, and the secret's owner, see that call in their logs.
        </p>
      ) : null}
    </>
  );
}
