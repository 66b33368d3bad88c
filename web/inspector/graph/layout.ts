/**
 * Positions for a machine graph, by dagre (top to bottom, groups as dagre clusters). Pure: no
 * DOM, so the unit tests can lay the real workflows out too.
 */
import { graphlib, layout } from '@dagrejs/dagre';
import type { MachineGraph } from './machine-graph';

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface GraphLayout {
  readonly width: number;
  readonly height: number;
  /** Centre and size of each node and group, by id. */
  readonly boxes: ReadonlyMap<string, Box>;
  readonly edges: ReadonlyMap<string, { readonly points: readonly { x: number; y: number }[]; readonly label?: Box }>;
}

const CHAR_WIDTH = 7;
const NODE_HEIGHT = 34;
const JOIN_SIZE = 12;
const LABEL_HEIGHT = 14;

const textWidth = (text: string): number => text.length * CHAR_WIDTH;

export function layoutGraph(graph: MachineGraph): GraphLayout {
  const g = new graphlib.Graph({ compound: true, multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 22, ranksep: 34, edgesep: 12, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const group of graph.groups) {
    g.setNode(group.id, { label: group.label, paddingTop: 22 });
    if (group.parent) g.setParent(group.id, group.parent);
  }
  for (const node of graph.nodes) {
    const size = node.kind === 'join' ? { width: JOIN_SIZE, height: JOIN_SIZE } : { width: Math.max(80, textWidth(node.state) + 24), height: NODE_HEIGHT };
    g.setNode(node.id, size);
    if (node.group) g.setParent(node.id, node.group);
  }
  for (const edge of graph.edges) {
    const label = edge.label && edge.kind !== 'default' ? { width: textWidth(edge.label) * 0.85, height: LABEL_HEIGHT, labelpos: 'c' } : {};
    g.setEdge(edge.from, edge.to, { ...label, minlen: 1 }, edge.id);
  }
  layout(g);
  const boxes = new Map<string, Box>();
  for (const id of g.nodes()) {
    const node = g.node(id) as { x: number; y: number; width: number; height: number } | undefined;
    if (node) boxes.set(id, { x: node.x, y: node.y, width: node.width, height: node.height });
  }
  const edges = new Map<string, { points: { x: number; y: number }[]; label?: Box }>();
  for (const edge of graph.edges) {
    const laid = g.edge(edge.from, edge.to, edge.id) as { points?: { x: number; y: number }[]; x?: number; y?: number; width?: number; height?: number } | undefined;
    if (!laid?.points) continue;
    const label = laid.x !== undefined && laid.y !== undefined && laid.width ? { x: laid.x, y: laid.y, width: laid.width, height: laid.height ?? LABEL_HEIGHT } : undefined;
    edges.set(edge.id, { points: laid.points, ...(label ? { label } : {}) });
  }
  const size = g.graph() as { width?: number; height?: number };
  return { width: size.width ?? 0, height: size.height ?? 0, boxes, edges };
}
