/** One filter of a list: a labelled select whose empty choice means "no filter". */
export function FilterSelect<T extends string>({
  label,
  testId,
  value,
  options,
  emptyLabel = 'All',
  onChange,
}: {
  label: string;
  testId: string;
  value: T | undefined;
  options: readonly T[];
  emptyLabel?: string;
  onChange: (value: T | undefined) => void;
}) {
  return (
    <label className="field">
      <span>{label}</span>
      <select
        data-testid={testId}
        value={value ?? ''}
        onChange={(e) => onChange(options.find((option) => option === e.target.value))}
      >
        <option value="">{emptyLabel}</option>
        {options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    </label>
  );
}
