import type { NhiImportResult } from '@nhi/nhi';
import { type FormEvent, useState } from 'react';
import { importNhis } from '../../server/functions/nhi-transfer.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { DialogClose, ModalDialog } from '../shared/modal-dialog.tsx';
import { useFailureMessage } from '../shared/use-failure-message.ts';

type Format = 'csv' | 'json';

function formatOf(file: File): Format | null {
  const name = file.name.toLowerCase();
  if (name.endsWith('.csv') || file.type === 'text/csv') return 'csv';
  if (name.endsWith('.json') || file.type === 'application/json') return 'json';
  return null;
}

/** The importer's answer: what was written, and every rejected row with its line. */
function ImportOutcome({ result }: { result: NhiImportResult }) {
  return (
    <div className="stack import-outcome" data-testid="import-result">
      {result.imported ? (
        <p className="success" role="status" data-testid="import-summary">
          Imported: {result.created} created, {result.updated} updated
          {result.skipped > 0 ? `, ${result.skipped} invalid rows skipped` : ''}.
        </p>
      ) : (
        <p className="error" role="alert" data-testid="import-summary">
          Nothing was imported: {result.errors.length} {result.errors.length === 1 ? 'row is' : 'rows are'}{' '}
          invalid. Fix them, or tick “Skip invalid rows”.
        </p>
      )}
      {result.errors.length > 0 ? (
        <div className="table-scroll import-errors">
          <table className="table" data-testid="import-errors">
            <thead>
              <tr>
                <th scope="col">Line</th>
                <th scope="col">Problem</th>
              </tr>
            </thead>
            <tbody>
              {result.errors.map((error) => (
                <tr key={`${error.line}:${error.reason}`} data-testid="import-error">
                  <td className="numeric">{error.line}</td>
                  <td>{error.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}

/** Upload a CSV or JSON file in the export's shape; nothing is half-imported. */
export function ImportDialog({ onImported }: { onImported: () => Promise<void> }) {
  const [shown, setShown] = useState(false);
  const failureMessage = useFailureMessage();
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState<Format>('csv');
  const [skipInvalid, setSkipInvalid] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<NhiImportResult | null>(null);

  function open() {
    setFile(null);
    setResult(null);
    setError(null);
    setShown(true);
  }

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!file) return;
    setPending(true);
    setError(null);
    setResult(null);
    try {
      const outcome = await importNhis({ data: { format, content: await file.text(), skipInvalid } });
      setResult(outcome);
      if (outcome.imported) await onImported();
    } catch (failure) {
      setError(await failureMessage(failure));
    } finally {
      setPending(false);
    }
  }

  return (
    <>
      <button type="button" className="button secondary small" onClick={open} data-testid="open-import">
        Import…
      </button>
      <ModalDialog
        open={shown}
        onOpenChange={setShown}
        title="Import identities"
        description="A CSV or JSON file in the shape of an export. Rows are matched by provider and external id: existing identities are updated, new ones created. Secrets are never imported, only fingerprints."
        testId="import-dialog"
      >
        <form className="stack" onSubmit={onSubmit}>
          <div className="form-row">
            <label className="field grow">
              <span>File</span>
              <input
                type="file"
                accept=".csv,.json,text/csv,application/json"
                required
                onChange={(event) => {
                  const chosen = event.target.files?.[0] ?? null;
                  setFile(chosen);
                  setResult(null);
                  const detected = chosen ? formatOf(chosen) : null;
                  if (detected) setFormat(detected);
                }}
                data-testid="import-file"
              />
            </label>
            <label className="field">
              <span>Format</span>
              <select
                value={format}
                onChange={(event) => setFormat(event.target.value as Format)}
                data-testid="import-format"
              >
                <option value="csv">CSV</option>
                <option value="json">JSON</option>
              </select>
            </label>
          </div>
          <label className="choice">
            <input
              type="checkbox"
              checked={skipInvalid}
              onChange={(event) => setSkipInvalid(event.target.checked)}
              data-testid="import-skip-invalid"
            />
            <span>Skip invalid rows and import the rest</span>
          </label>
          <AlertMessage message={error} testId="import-error-message" />
          {result ? <ImportOutcome result={result} /> : null}
          <div className="dialog-actions">
            <button type="submit" className="button" disabled={!file || pending} data-testid="import-submit">
              {pending ? 'Importing…' : 'Import'}
            </button>
            <DialogClose asChild>
              <button type="button" className="button secondary">
                Close
              </button>
            </DialogClose>
          </div>
        </form>
      </ModalDialog>
    </>
  );
}
