/** The previous or next button of a paged list; disabled where there is no page that way. */
export function PageStepButton({
  direction,
  onClick,
  disabled,
  testId,
}: {
  direction: 'previous' | 'next';
  onClick?: () => void;
  disabled: boolean;
  testId: string;
}) {
  return (
    <button
      type="button"
      className="button secondary small"
      onClick={onClick}
      disabled={disabled}
      data-testid={testId}
    >
      {direction === 'previous' ? '← Previous' : 'Next →'}
    </button>
  );
}
