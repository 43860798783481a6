import { type SourceType, scanInputsBySource } from '@nhi/scanner/inputs';
import { useNavigate } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import { startScan } from '../../server/functions/scanner.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { usePendingAction } from '../shared/use-pending-action.ts';
import { fileToBase64 } from './file-to-base64.ts';

const uploadLabels: Record<string, string> = {
  'aws.credential_report': 'Credential report (CSV or JSON)',
  'aws.authorization_details': 'Authorization details (JSON)',
  'k8s.manifests': 'Manifests or kubectl JSON',
  'github.export': 'GitHub REST export (JSON)',
  'secrets.files': 'A file, or a .zip, .tar or .tar.gz archive',
  'gitleaks.report': 'gitleaks report (JSON, CSV or SARIF)',
  'trufflehog.report': 'trufflehog JSON output (--json)',
  'detect_secrets.baseline': 'detect-secrets baseline (.secrets.baseline)',
};

/** Starts a scan of an uploaded export and opens its progress page. */
export function ScanFileForm({
  sourceId,
  sourceName,
  type,
}: {
  sourceId: string;
  sourceName: string;
  type: SourceType;
}) {
  const inputs = (scanInputsBySource[type] as readonly string[]).filter((input) => input in uploadLabels);
  const [input, setInput] = useState(inputs[0] ?? '');
  const navigate = useNavigate();
  const { pending, error, setError, run } = usePendingAction();

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const file = (new FormData(event.currentTarget).get('file') as File | null) ?? null;
    if (!file || file.size === 0) {
      setError('Choose a file to scan');
      return;
    }
    void run(
      async () =>
        startScan({
          data: {
            sourceId,
            input: input as never,
            upload: { name: file.name, contentBase64: await fileToBase64(file) },
          },
        }),
      (scan) => navigate({ to: '/scans/$scanId', params: { scanId: scan.id } }),
    );
  }

  if (inputs.length === 0) return null;
  return (
    <form className="inline-form" onSubmit={onSubmit} data-testid={`scan-file-form-${sourceName}`}>
      <select value={input} onChange={(e) => setInput(e.target.value)} aria-label="What the file is">
        {inputs.map((value) => (
          <option key={value} value={value}>
            {uploadLabels[value]}
          </option>
        ))}
      </select>
      <input type="file" name="file" aria-label="File to scan" data-testid="scan-file-input" />
      <button type="submit" disabled={pending} data-testid="scan-file-submit">
        Scan file
      </button>
      <AlertMessage message={error} inline />
    </form>
  );
}
