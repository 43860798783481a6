import type { ReactNode } from 'react';

/** "Are you sure?" in place: the question, the destructive action, and a way back. */
export function InlineConfirm({
  question,
  confirmLabel,
  pendingLabel,
  pending,
  onConfirm,
  onCancel,
  testId,
  inline = false,
}: {
  question: ReactNode;
  confirmLabel: string;
  pendingLabel: string;
  pending: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  testId: string;
  /** Inside running text or a toolbar rather than a table row of its own. */
  inline?: boolean;
}) {
  const Root = inline ? 'span' : 'div';
  return (
    <Root className="confirm">
      <span>{question}</span>
      <button
        type="button"
        className="button danger small"
        onClick={onConfirm}
        disabled={pending}
        data-testid={testId}
      >
        {pending ? pendingLabel : confirmLabel}
      </button>
      <button type="button" className="button secondary small" onClick={onCancel} disabled={pending}>
        Cancel
      </button>
    </Root>
  );
}
