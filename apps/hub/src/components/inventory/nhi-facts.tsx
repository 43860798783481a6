import type { NhiDetail } from '@nhi/nhi';
import type { NhiScanObservations } from '@nhi/scanner';
import { InstantCell } from '../shared/instant-cell.tsx';
import { OwnerLabel, StatusBadge } from './badges.tsx';
import { consoleLinkOf } from './console-link.ts';
import { environmentLabel, kindLabel, providerLabel, statusLabel } from './labels.ts';
import { NhiSource } from './nhi-source.tsx';

/**
 * `scans`: its source by name and the scans that saw it; null when the caller may not read sources.
 * `ownerControl`: the in-place owner change, for those who may write (absent otherwise).
 */
export function NhiFacts({
  nhi,
  scans,
  ownerControl,
}: {
  nhi: NhiDetail;
  scans: NhiScanObservations | null;
  ownerControl?: React.ReactNode;
}) {
  const providerConsole = consoleLinkOf(nhi);
  return (
    <section className="card" aria-labelledby="facts-title" data-testid="nhi-facts">
      <div className="card-heading">
        <h2 id="facts-title">Identity</h2>
        <span className="hint">Times in UTC</span>
      </div>
      <dl className="facts facts-grid">
        <dt>Owner</dt>
        <dd data-testid="nhi-owner">
          <OwnerLabel owner={nhi.owner} />
          {nhi.owner || nhi.ownerGroup ? null : (
            <span className="hint"> Nobody answers for it{ownerControl ? '.' : ': assign an owner.'}</span>
          )}
          {ownerControl ? <span className="owner-control">{ownerControl}</span> : null}
        </dd>
        <dt>Owner group</dt>
        <dd data-testid="nhi-owner-group">{nhi.ownerGroup?.name ?? <span className="muted">None</span>}</dd>
        <dt>Kind</dt>
        <dd>{kindLabel[nhi.kind]}</dd>
        <dt>Provider</dt>
        <dd>{providerLabel[nhi.provider]}</dd>
        <dt>External id</dt>
        <dd>
          <code className="wrap" data-testid="nhi-external-id">
            {nhi.externalId}
          </code>
          {providerConsole ? (
            <a
              href={providerConsole.href}
              target="_blank"
              rel="noopener noreferrer"
              className="console-link"
              data-testid="nhi-console-link"
            >
              {providerConsole.label} ↗
            </a>
          ) : null}
        </dd>
        <dt>Environment</dt>
        <dd>
          <span className={`env env-${nhi.environment}`} data-testid="nhi-environment">
            {environmentLabel[nhi.environment]}
          </span>
        </dd>
        <dt>Status</dt>
        <dd>
          <StatusBadge status={nhi.status} label={statusLabel[nhi.status]} />
        </dd>
        <dt>Tags</dt>
        <dd>
          {nhi.tags.length === 0 ? (
            <span className="muted">None</span>
          ) : (
            <ul className="permissions" data-testid="nhi-tags">
              {nhi.tags.map((tag) => (
                <li key={tag}>
                  <code>{tag}</code>
                </li>
              ))}
            </ul>
          )}
        </dd>
        <dt>Description</dt>
        <dd data-testid="nhi-description">{nhi.description || <span className="muted">None</span>}</dd>
        <dt>Source</dt>
        <dd>
          <NhiSource sourceType={nhi.sourceType} scans={scans} />
        </dd>
        <dt>Created at provider</dt>
        <dd>
          <InstantCell instant={nhi.providerCreatedAt} empty="Unknown" />
        </dd>
        <dt>First seen</dt>
        <dd>
          <InstantCell instant={nhi.firstSeenAt} empty="—" />
        </dd>
        <dt>Last seen</dt>
        <dd>
          <InstantCell instant={nhi.lastSeenAt} empty="—" />
        </dd>
        <dt>Last used</dt>
        <dd>
          <InstantCell instant={nhi.lastUsedAt} empty="Never" />
        </dd>
        <dt>Version</dt>
        <dd data-testid="nhi-version">{nhi.version}</dd>
      </dl>
    </section>
  );
}
