import { type FormEvent, useState } from 'react';
import { addAlertComment } from '../../server/functions/alerts.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { usePendingAction } from '../shared/use-pending-action.ts';

/** Adds a plain-text comment; `@email` mentions a member of the realm, who gets a mail. */
export function AlertCommentForm({ alertId, onDone }: { alertId: string; onDone: () => Promise<void> }) {
  const [body, setBody] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const { pending, error, run } = usePendingAction();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setNotice(null);
    await run(
      () => addAlertComment({ data: { id: alertId, body } }),
      async (added) => {
        setBody('');
        setNotice(mentionNotice(added.mentions, added.mailed));
        await onDone();
      },
    );
  }

  return (
    <form className="comment-form" data-testid="comment-form" onSubmit={onSubmit}>
      <label className="field">
        <span>Comment</span>
        <textarea
          value={body}
          onChange={(event) => setBody(event.target.value)}
          rows={3}
          maxLength={4000}
          required
          placeholder="Plain text; @name@example.com mentions a member"
          data-testid="comment-body"
        />
      </label>
      <div className="comment-form-actions">
        <button type="submit" className="button small" disabled={pending} data-testid="comment-add">
          Add comment
        </button>
        {notice ? (
          <span className="muted" role="status" data-testid="comment-notice">
            {notice}
          </span>
        ) : null}
      </div>
      <AlertMessage message={error} testId="comment-error" />
    </form>
  );
}

function mentionNotice(mentions: string[], mailed: number): string | null {
  if (mentions.length === 0) return null;
  const mail = mailed === 0 ? 'no mail sent' : `${mailed} mailed`;
  return `Mentioned ${mentions.join(', ')} (${mail})`;
}
