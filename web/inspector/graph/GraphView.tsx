import { useMemo } from 'preact/hooks';
import { overlayPath, type GraphEdge, type GraphNode, type MachineGraph, type PathOverlay, type StepFailure } from './machine-graph';
import { layoutGraph, type Box, type GraphLayout } from './layout';

interface GraphViewProps {
  readonly machine: string;
  readonly graph: MachineGraph;
  readonly path: readonly string[];
  readonly failures: readonly StepFailure[];
  readonly selected: string | undefined;
  readonly onSelect: (state: string) => void;
}

/** What a node's accessible name says: its state, and how the run went through it. */
export function nodeDescription(node: GraphNode, overlay: PathOverlay): string {
  const failure = overlay.failed.get(node.id);
  const parts = [
    `${node.state} (${node.stateType})`,
    overlay.visited.has(node.id) ? 'on the path' : 'not reached',
    ...(failure ? [`failed: ${failure.error ?? 'error'}`] : []),
    ...(node.compensation ? ['compensation'] : []),
  ];
  return parts.join(', ');
}

function edgePath(points: readonly { x: number; y: number }[]): string {
  return points.map((point, index) => `${index === 0 ? 'M' : 'L'}${point.x.toFixed(1)},${point.y.toFixed(1)}`).join(' ');
}

const topLeft = (box: Box) => ({ x: box.x - box.width / 2, y: box.y - box.height / 2 });

function Groups({ graph, laid }: { graph: MachineGraph; laid: GraphLayout }) {
  return (
    <g>
      {graph.groups.map((group) => {
        const box = laid.boxes.get(group.id);
        if (!box) return null;
        const corner = topLeft(box);
        return (
          <g key={group.id} class={`group group-${group.kind}${group.compensation ? ' compensation' : ''}`}>
            <rect x={corner.x} y={corner.y} width={box.width} height={box.height} rx={6} />
            <text x={corner.x + 8} y={corner.y + 15}>{group.label}</text>
          </g>
        );
      })}
    </g>
  );
}

function Edge({ edge, laid, taken }: { edge: GraphEdge; laid: GraphLayout; taken: boolean }) {
  const route = laid.edges.get(edge.id);
  if (!route) return null;
  const marker = taken ? 'url(#arrow-taken)' : edge.kind === 'catch' ? 'url(#arrow-catch)' : 'url(#arrow)';
  return (
    <g class={`edge edge-${edge.kind}${taken ? ' taken' : ''}`}>
      <path d={edgePath(route.points)} marker-end={marker} />
      {edge.label && route.label ? (
        <text x={route.label.x} y={route.label.y + 4} text-anchor="middle">
          {edge.label}
        </text>
      ) : null}
    </g>
  );
}

function Node({ node, laid, overlay, selected, onSelect }: { node: GraphNode; laid: GraphLayout; overlay: PathOverlay; selected: boolean; onSelect: (state: string) => void }) {
  const box = laid.boxes.get(node.id);
  if (!box) return null;
  const failure = overlay.failed.get(node.id);
  const classes = ['node', `type-${node.stateType.toLowerCase()}`, overlay.visited.has(node.id) ? 'visited' : '', failure ? 'failed' : '', node.compensation ? 'compensation' : '', selected ? 'selected' : ''].filter(Boolean).join(' ');
  if (node.kind === 'join') {
    return <circle class={`join ${overlay.visited.has(node.id) ? 'visited' : ''}`} cx={box.x} cy={box.y} r={box.width / 2} />;
  }
  const corner = topLeft(box);
  const select = () => onSelect(node.state);
  return (
    <g
      class={classes}
      role="button"
      tabIndex={0}
      aria-label={nodeDescription(node, overlay)}
      aria-pressed={selected}
      onClick={select}
      onKeyDown={(event) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          select();
        }
      }}
    >
      <rect x={corner.x} y={corner.y} width={box.width} height={box.height} rx={node.stateType === 'Choice' ? 14 : 4} />
      <text x={box.x} y={box.y + 4} text-anchor="middle">
        {node.state}
      </text>
      {failure ? (
        <text class="failure-label" x={box.x} y={corner.y + box.height + 12} text-anchor="middle">
          {`✕ ${failure.error ?? 'failed'}`}
        </text>
      ) : null}
    </g>
  );
}

/** The machine drawn from its ASL, with the run's path, failures and the compensation chain marked. */
export function GraphView({ machine, graph, path, failures, selected, onSelect }: GraphViewProps) {
  const laid = useMemo(() => layoutGraph(graph), [graph]);
  const overlay = useMemo(() => overlayPath(graph, path, failures), [graph, path, failures]);
  // Taken edges last, so they are drawn over the others.
  const edges = [...graph.edges].sort((a, b) => Number(overlay.taken.has(a.id)) - Number(overlay.taken.has(b.id)));
  return (
    <figure class="graph" aria-label={`Graph of ${machine}`}>
      <svg width={laid.width} height={laid.height + 14} viewBox={`0 0 ${laid.width} ${laid.height + 14}`}>
        <defs>
          {['arrow', 'arrow-taken', 'arrow-catch'].map((id) => (
            <marker key={id} id={id} class={id} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M0,0 L10,5 L0,10 z" />
            </marker>
          ))}
        </defs>
        <Groups graph={graph} laid={laid} />
        {edges.map((edge) => (
          <Edge key={edge.id} edge={edge} laid={laid} taken={overlay.taken.has(edge.id)} />
        ))}
        {graph.nodes.map((node) => (
          <Node key={node.id} node={node} laid={laid} overlay={overlay} selected={selected === node.state} onSelect={onSelect} />
        ))}
      </svg>
      <figcaption>
        <Legend />
      </figcaption>
    </figure>
  );
}

function Legend() {
  return (
    <ul class="legend" aria-label="Legend">
      <li><span class="swatch visited" /> on the path</li>
      <li><span class="swatch failed" /> failed (its error below)</li>
      <li><span class="swatch compensation" /> compensation (after a Catch, on no successful path)</li>
      <li><span class="swatch catch" /> Catch transition</li>
      <li><span class="swatch taken" /> transition taken</li>
    </ul>
  );
}
