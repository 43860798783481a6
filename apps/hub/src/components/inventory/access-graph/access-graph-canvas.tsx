// Loaded on demand (React.lazy) with the Access tab: React Flow and dagre stay out of other pages.
// The library's stylesheet is imported, so the build ships it as a file (the CSP allows no injected
// <style>); its inline style attributes are set through the DOM, which the CSP does not restrict.
import '@xyflow/react/dist/style.css';
import { graphlib, layout } from '@dagrejs/dagre';
import type { AccessGraph, AccessNode } from '@nhi/scanner';
import {
  Controls,
  type Edge,
  Handle,
  type Node,
  type NodeProps,
  Position,
  ReactFlow,
  ReactFlowProvider,
} from '@xyflow/react';
import { useMemo } from 'react';
import { nodeText, nodeTypeLabel, severityLabel } from './access-graph-vocabulary.ts';

const nodeWidth = 220;
const nodeHeight = 64;

type AccessFlowNode = Node<{ node: AccessNode }, 'access'>;

/** Left to right, from the identity to what it reaches; dagre places the nodes, nothing moves after. */
function laidOut(graph: AccessGraph): { nodes: AccessFlowNode[]; edges: Edge[] } {
  const g = new graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 120 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of graph.nodes) g.setNode(node.id, { width: nodeWidth, height: nodeHeight });
  for (const edge of graph.edges) g.setEdge(edge.from, edge.to);
  layout(g);
  const nodes = graph.nodes.map((node): AccessFlowNode => {
    const placed = g.node(node.id);
    return {
      id: node.id,
      type: 'access',
      position: { x: placed.x - nodeWidth / 2, y: placed.y - nodeHeight / 2 },
      data: { node },
      ariaLabel: nodeText(node),
      draggable: false,
      connectable: false,
    };
  });
  const edges = graph.edges.map(
    (edge, index): Edge => ({
      id: `e${index}`,
      source: edge.from,
      target: edge.to,
      label: edge.label,
      ariaLabel: `${edge.label}`,
      className: 'access-flow-edge',
    }),
  );
  return { nodes, edges };
}

/** A node says what it is and how risky in words; the colour only repeats it. */
function AccessNodeView({ data }: NodeProps<AccessFlowNode>) {
  const { node } = data;
  return (
    <div
      className={`access-node access-type-${node.type}${node.severity ? ` access-risk-${node.severity}` : ''}`}
      data-testid="access-graph-node"
      data-type={node.type}
      title={node.detail}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <span className="access-node-type">
        {nodeTypeLabel[node.type]}
        {node.severity ? (
          <span className={`badge sev-${node.severity}`}>{severityLabel[node.severity]}</span>
        ) : null}
      </span>
      <span className="access-node-label">{node.label}</span>
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
}

const nodeTypes = { access: AccessNodeView };

/** The graph, read only: pan and zoom (buttons, wheel, keyboard on the controls), nodes focusable. */
export default function AccessGraphCanvas({ graph }: { graph: AccessGraph }) {
  const { nodes, edges } = useMemo(() => laidOut(graph), [graph]);
  return (
    <ReactFlowProvider>
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        fitView
        minZoom={0.2}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable={false}
        nodesFocusable
        edgesFocusable={false}
        proOptions={{ hideAttribution: true }}
        ariaLabelConfig={{ 'node.a11yDescription.default': 'Access graph: Tab moves between nodes.' }}
      >
        <Controls showInteractive={false} position="top-right" />
      </ReactFlow>
    </ReactFlowProvider>
  );
}
