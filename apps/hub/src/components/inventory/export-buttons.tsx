import { useState } from 'react';
import { exportNhis } from '../../server/functions/nhi-transfer.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { useFailureMessage } from '../shared/use-failure-message.ts';
import { download } from './download.ts';
import { exportInputOf, type InventorySearch } from './inventory-search.ts';

/** Every identity the current filter matches, not only the page on screen. */
export function ExportButtons({ search }: { search: InventorySearch }) {
  const failureMessage = useFailureMessage();
  const [pending, setPending] = useState<'csv' | 'json' | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function onExport(format: 'csv' | 'json') {
    setPending(format);
    setError(null);
    try {
      const file = await exportNhis({ data: exportInputOf(search, format) });
      download(file.filename, file.contentType, file.body);
    } catch (failure) {
      setError(await failureMessage(failure));
    } finally {
      setPending(null);
    }
  }

  return (
    <div className="export-buttons">
      <button
        type="button"
        className="button secondary small"
        onClick={() => onExport('csv')}
        disabled={pending !== null}
        data-testid="export-csv"
      >
        {pending === 'csv' ? 'Exporting…' : 'Export CSV'}
      </button>
      <button
        type="button"
        className="button secondary small"
        onClick={() => onExport('json')}
        disabled={pending !== null}
        data-testid="export-json"
      >
        {pending === 'json' ? 'Exporting…' : 'Export JSON'}
      </button>
      <AlertMessage message={error} />
    </div>
  );
}
