import { useRef, useState } from 'react';

type CopyState = 'idle' | 'copied' | 'manual';

/** The one moment the token is visible: after this panel is dismissed it is gone for good. */
export function TokenReveal({ name, token, onDone }: { name: string; token: string; onDone: () => void }) {
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
    <section className="card reveal" aria-labelledby="reveal-title" data-testid="token-reveal">
      <h2 id="reveal-title">Token “{name}” created</h2>
      <p className="warning" role="status">
        Copy it now: it will not be shown again. Only a hash of it is stored.
      </p>
      <div className="reveal-value">
        <input
          ref={field}
          readOnly
          value={token}
          aria-label="New API token"
          spellCheck={false}
          onFocus={(event) => event.currentTarget.select()}
          data-testid="new-token"
        />
        <button type="button" className="button" onClick={onCopy} data-testid="copy-token">
          {copy === 'copied' ? 'Copied' : 'Copy'}
        </button>
      </div>
      {copy === 'manual' ? (
        <p className="hint">Copying was blocked: the token is selected, copy it by hand.</p>
      ) : null}
      <p className="hint">
        Send it as <code>Authorization: Bearer &lt;token&gt;</code> to <code>/api/trpc</code>.
      </p>
      <div>
        <button type="button" className="button secondary" onClick={onDone} data-testid="token-reveal-done">
          I have copied it
        </button>
      </div>
    </section>
  );
}
