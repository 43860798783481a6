/** The one moment the recovery codes are visible: only their hashes are stored. */
export function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  return (
    <section className="card reveal" aria-labelledby="recovery-title" data-testid="recovery-codes">
      <h2 id="recovery-title">Recovery codes</h2>
      <p className="warning" role="status">
        Keep these somewhere safe: each one logs you in once without your authenticator app. They will not be
        shown again.
      </p>
      <ul className="recovery-codes">
        {codes.map((code) => (
          <li key={code}>
            <code data-testid="recovery-code">{code}</code>
          </li>
        ))}
      </ul>
      <div>
        <button type="button" className="button secondary" onClick={onDone} data-testid="recovery-codes-done">
          I have saved them
        </button>
      </div>
    </section>
  );
}
