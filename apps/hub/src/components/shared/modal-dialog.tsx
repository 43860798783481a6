import * as Dialog from '@radix-ui/react-dialog';
import { setNonce } from 'get-nonce';
import type { ReactNode } from 'react';

let nonceAdopted = false;

/**
 * The scroll lock of a modal dialog adds a style element, which the Content-Security-Policy only
 * lets in with the page's nonce. The browser hides the nonce attribute but keeps the property.
 */
function adoptPageNonce(): void {
  if (nonceAdopted || typeof document === 'undefined') return;
  for (const element of document.querySelectorAll<HTMLElement>('script[nonce], [nonce]')) {
    if (element.nonce) {
      setNonce(element.nonce);
      nonceAdopted = true;
      return;
    }
  }
}

/**
 * A modal dialog: focus moves in and stays in until it closes, returns to where it was, Escape and
 * a click outside close it, and it is labelled by its title. Rendered over the page, so it never
 * overflows the card that opened it.
 */
export function ModalDialog({
  open,
  onOpenChange,
  title,
  description,
  testId,
  className,
  onCloseAutoFocus,
  children,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: ReactNode;
  description?: ReactNode;
  testId?: string;
  className?: string;
  /**
   * Where focus goes once it closes. Without a Radix trigger nothing takes it back: a dialog opened
   * by a button of its caller's returns focus there with this.
   */
  onCloseAutoFocus?: (event: Event) => void;
  children: ReactNode;
}) {
  adoptPageNonce();
  return (
    <Dialog.Root open={open} onOpenChange={onOpenChange}>
      <Dialog.Portal>
        <Dialog.Overlay className="dialog-overlay" />
        <Dialog.Content
          className={className ? `dialog ${className}` : 'dialog'}
          data-testid={testId}
          onCloseAutoFocus={onCloseAutoFocus}
          // Without a description Radix would warn; the title alone labels the dialog then.
          {...(description ? {} : { 'aria-describedby': undefined })}
        >
          <div className="stack">
            <Dialog.Title>{title}</Dialog.Title>
            {description ? <Dialog.Description className="hint">{description}</Dialog.Description> : null}
            {children}
          </div>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}

/** A button that closes the dialog it is in. */
export const DialogClose = Dialog.Close;

/**
 * A dialog's buttons: Cancel closes it, the action submits the dialog's form (or runs `onClick`),
 * and both wait while the action is under way.
 */
export function DialogActions({
  pending,
  label,
  pendingLabel,
  testId,
  danger = false,
  disabled = false,
  onClick,
}: {
  pending: boolean;
  label: string;
  pendingLabel: string;
  testId: string;
  danger?: boolean;
  disabled?: boolean;
  onClick?: () => void;
}) {
  return (
    <div className="dialog-actions">
      <Dialog.Close asChild>
        <button type="button" className="button secondary" disabled={pending}>
          Cancel
        </button>
      </Dialog.Close>
      <button
        type={onClick ? 'button' : 'submit'}
        className={danger ? 'button danger' : 'button'}
        disabled={pending || disabled}
        onClick={onClick}
        data-testid={testId}
      >
        {pending ? pendingLabel : label}
      </button>
    </div>
  );
}
