import type { LinkDelivery } from '@nhi/platform';

/**
 * What became of an invitation or reset link: mailed, or shown here once for the admin to pass
 * on (no mail server configured, or sending failed). It is never shown again.
 */
export function LinkReveal({
  email,
  outcome,
  onDone,
}: {
  email: string;
  outcome: LinkDelivery | { delivery: 'none'; reason: string };
  onDone: () => void;
}) {
  const absolute = outcome.delivery === 'link' ? `${window.location.origin}${outcome.link}` : null;
  return (
    <section
      className="card reveal"
      aria-labelledby="link-reveal-title"
      data-testid="link-reveal"
      data-delivery={outcome.delivery}
    >
      <h2 id="link-reveal-title">{email}</h2>
      {outcome.delivery === 'mailed' ? (
        <p role="status">A one-time link was mailed to {email}. It works once, for 72 hours.</p>
      ) : null}
      {outcome.delivery === 'none' ? <p role="status">{outcome.reason}.</p> : null}
      {absolute ? (
        <>
          <p className="warning" role="status">
            {outcome.delivery === 'link' ? outcome.reason : ''}: pass this one-time link on to {email}{' '}
            yourself. It works once, for 72 hours, and will not be shown again.
          </p>
          <div className="reveal-value">
            <input
              readOnly
              value={absolute}
              aria-label="One-time link"
              spellCheck={false}
              onFocus={(event) => event.currentTarget.select()}
              data-testid="one-time-link"
            />
          </div>
        </>
      ) : null}
      <div>
        <button type="button" className="button secondary" onClick={onDone} data-testid="link-reveal-done">
          Done
        </button>
      </div>
    </section>
  );
}
