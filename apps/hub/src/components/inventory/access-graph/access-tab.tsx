import type { AccessGraph } from '@nhi/scanner';
import { ClientOnly } from '@tanstack/react-router';
import { lazy, Suspense, useEffect, useState } from 'react';
import { getAccessGraph } from '../../../server/functions/scanner.functions.ts';
import { AlertMessage } from '../../shared/alert-message.tsx';
import { TableScroll } from '../../shared/table-scroll.tsx';
import { useFailureMessage } from '../../shared/use-failure-message.ts';
import {
  nodeText,
  nodeTypeLabel,
  nodeTypesOf,
  severityLabel,
  severityOrder,
} from './access-graph-vocabulary.ts';

// The graph library is loaded with the tab: the other pages' first load does not carry it.
const AccessGraphCanvas = lazy(() => import('./access-graph-canvas.tsx'));

type Loaded = { graph: AccessGraph; error: null } | { graph: null; error: string | null };

/** The identity's access graph, asked for when the tab opens rather than with the page. */
function useAccessGraph(nhiId: string): Loaded {
  const [loaded, setLoaded] = useState<Loaded>({ graph: null, error: null });
  const failureMessage = useFailureMessage();
  // biome-ignore lint/correctness/useExhaustiveDependencies: loaded once per identity; failureMessage is a new function each render.
  useEffect(() => {
    let current = true;
    setLoaded({ graph: null, error: null });
    getAccessGraph({ data: { nhiId } })
      .then((graph) => {
        if (current) setLoaded({ graph, error: null });
      })
      .catch(async (failure: unknown) => {
        const message = await failureMessage(failure);
        if (current) setLoaded({ graph: null, error: message });
      });
    return () => {
      current = false;
    };
  }, [nhiId]);
  return loaded;
}

/** The Access tab: the graph for the eye, beside the same edges as a table for everyone. */
export function AccessTab({ nhiId }: { nhiId: string }) {
  const { graph, error } = useAccessGraph(nhiId);
  if (error) return <AlertMessage message={error} testId="access-graph-error" />;
  if (!graph)
    return (
      <p className="muted" role="status" data-testid="access-graph-loading">
        Loading the access graph…
      </p>
    );
  return (
    <section
      className="card access-graph-card"
      aria-labelledby="access-graph-title"
      data-testid="access-graph"
    >
      <div className="card-heading">
        <h2 id="access-graph-title">What it can reach, and who uses it</h2>
        <span className="hint" data-testid="access-graph-count">
          {graph.nodes.length} nodes, {graph.edges.length} links
          {graph.omitted > 0 ? `, ${graph.omitted} more not drawn` : ''}
        </span>
      </div>
      {graph.edges.length === 0 ? (
        <p className="muted">Scans recorded nothing this identity reaches or is used by.</p>
      ) : (
        <>
          <Legend graph={graph} />
          <div className="access-graph-layout">
            <div className="access-graph-canvas">
              <ClientOnly fallback={null}>
                <Suspense fallback={<p className="muted">Drawing the graph…</p>}>
                  <AccessGraphCanvas graph={graph} />
                </Suspense>
              </ClientOnly>
            </div>
            <EdgeTable graph={graph} />
          </div>
        </>
      )}
    </section>
  );
}

/** Kinds of node by name and marker, severities by name and colour. */
function Legend({ graph }: { graph: AccessGraph }) {
  const severities = new Set(graph.nodes.map((node) => node.severity));
  return (
    <dl className="access-legend" aria-label="Legend" data-testid="access-legend">
      <div>
        <dt>Nodes</dt>
        {nodeTypesOf(graph).map((type) => (
          <dd key={type}>
            <span className={`access-type-marker access-type-${type}`} aria-hidden="true" />
            {nodeTypeLabel[type]}
          </dd>
        ))}
      </div>
      {severityOrder.some((severity) => severities.has(severity)) ? (
        <div>
          <dt>Risk</dt>
          {severityOrder
            .filter((severity) => severities.has(severity))
            .map((severity) => (
              <dd key={severity}>
                <span className={`badge sev-${severity}`}>{severityLabel[severity]}</span>
              </dd>
            ))}
        </div>
      ) : null}
    </dl>
  );
}

/** Every drawn link as a row: what screen readers and narrow screens get instead of the canvas. */
function EdgeTable({ graph }: { graph: AccessGraph }) {
  const byId = new Map(graph.nodes.map((node) => [node.id, node]));
  return (
    <TableScroll label="Access links">
      <table className="table compact access-edge-table">
        <caption className="visually-hidden">Links of the access graph</caption>
        <thead>
          <tr>
            <th scope="col">From</th>
            <th scope="col">Link</th>
            <th scope="col">To</th>
          </tr>
        </thead>
        <tbody>
          {graph.edges.map((edge) => {
            const from = byId.get(edge.from);
            const to = byId.get(edge.to);
            if (!from || !to) return null;
            return (
              <tr key={`${edge.from} ${edge.to} ${edge.label}`} data-testid="access-edge-row">
                <td className="wrap">{nodeText(from)}</td>
                <td>{edge.label}</td>
                <td className="wrap">
                  {nodeText(to)}
                  {to.detail ? <span className="access-detail">{to.detail}</span> : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableScroll>
  );
}
