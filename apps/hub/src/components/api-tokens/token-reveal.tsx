import { type ReactNode, useRef, useState } from 'react';

type CopyState = 'idle' | 'copied' | 'manual';

const apiTokenUsage = (
  <>
    Send it as <code>Authorization: Bearer &lt;token&gt;</code> to <code>/api/trpc</code>.
  </>
);

/**
 * The one moment the token is visible: after this panel is dismissed it is gone for good. An API
 * token's by default; `kind`, `usage` and `testIdPrefix` fit it to another kind (SCIM tokens).
 */
export function TokenReveal({
  name,
  token,
  onDone,
  kind = 'API token',
  usage = apiTokenUsage,
  testIdPrefix = '',
}: {
  name: string;
  token: string;
  onDone: () => void;
  kind?: string;
  usage?: ReactNode;
  testIdPrefix?: string;
}) {
  const field = useRef<HTMLInputElement>(null);
  const [copy, setCopy] = useState<CopyState>('idle');

  async function onCopy() {
    try {
      await navigator.clipboard.writeText(token);
      setCopy('copied');
    } catch {
      // Without clipboard access (insecure origin, denied permission) selecting it is the next best thing.
      field.current?.select();
      setCopy('manual');
    }
  }

  return (
    <section
      className="card reveal"
      aria-labelledby={`${testIdPrefix}reveal-title`}
      data-testid={`${testIdPrefix}token-reveal`}
    >
      <h2 id={`${testIdPrefix}reveal-title`}>Token “{name}” created</h2>
      <p className="warning" role="status">
        Copy it now: it will not be shown again. Only a hash of it is stored.
      </p>
      <div className="reveal-value">
        <input
          ref={field}
          readOnly
          value={token}
          aria-label={`New ${kind}`}
          spellCheck={false}
          onFocus={(event) => event.currentTarget.select()}
          data-testid={`${testIdPrefix}new-token`}
        />
        <button type="button" className="button" onClick={onCopy} data-testid={`${testIdPrefix}copy-token`}>
          {copy === 'copied' ? 'Copied' : 'Copy'}
        </button>
      </div>
      {copy === 'manual' ? (
        <p className="hint">Copying was blocked: the token is selected, copy it by hand.</p>
      ) : null}
      <p className="hint">{usage}</p>
      <div>
        <button
          type="button"
          className="button secondary"
          onClick={onDone}
          data-testid={`${testIdPrefix}token-reveal-done`}
        >
          I have copied it
        </button>
      </div>
    </section>
  );
}
