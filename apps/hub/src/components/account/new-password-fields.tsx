/**
 * A new password and its repetition, as every form that sets one asks for them: at least 12
 * characters (checked again by the server), and autocomplete hints that let password managers
 * offer a generated one.
 */
export function NewPasswordFields({ name, repeatLabel }: { name: string; repeatLabel: string }) {
  return (
    <>
      <label className="field">
        <span>New password</span>
        <input
          name={name}
          type="password"
          autoComplete="new-password"
          required
          minLength={12}
          data-testid="new-password"
        />
      </label>
      <label className="field">
        <span>{repeatLabel}</span>
        <input
          name="confirm"
          type="password"
          autoComplete="new-password"
          required
          data-testid="confirm-password"
        />
      </label>
    </>
  );
}
