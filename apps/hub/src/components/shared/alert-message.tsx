/** A failure the user should read, announced to assistive technology; nothing when there is none. */
export function AlertMessage({
  message,
  inline = false,
  testId,
}: {
  message: string | null;
  inline?: boolean;
  testId?: string;
}) {
  if (!message) return null;
  const Root = inline ? 'span' : 'p';
  return (
    <Root role="alert" className="error" data-testid={testId}>
      {message}
    </Root>
  );
}
