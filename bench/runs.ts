import type { ClientKind } from './clients/queue-client.ts';
import type { RunName } from './config.ts';

export type TargetName = 'pciq' | 'fauxqs' | 'pciq-pg';

export interface RoundTripRun {
  name: RunName;
  label: string;
  clientKind: ClientKind;
  target: TargetName;
  /** Sign as the principal with 50 policies of 10 statements instead of the allow-all administrator. */
  isPolicyHeavy?: boolean;
  /** Nodes the clients spread over (scale-out runs on PostgreSQL). */
  nodes?: number;
}

/** In the order they run within a round: each pair that forms a ratio runs back to back. */
export const roundTripRuns: readonly RoundTripRun[] = [
  { name: 'lean-pciq', label: '(a) lean client → pciq', clientKind: 'lean', target: 'pciq' },
  {
    name: 'lean-pciq-policies',
    label: '(a) … signed by 50 policies × 10',
    clientKind: 'lean',
    target: 'pciq',
    isPolicyHeavy: true,
  },
  { name: 'sdk-pciq', label: '(b) AWS SDK v3 → pciq', clientKind: 'sdk', target: 'pciq' },
  { name: 'sdk-fauxqs', label: '(b) AWS SDK v3 → fauxqs', clientKind: 'sdk', target: 'fauxqs' },
  { name: 'lean-fauxqs', label: '    lean client → fauxqs', clientKind: 'lean', target: 'fauxqs' },
  { name: 'pg-1', label: '(c) lean → 1 pciq node, PostgreSQL', clientKind: 'lean', target: 'pciq-pg', nodes: 1 },
  { name: 'pg-2', label: '(c) lean → 2 pciq nodes, PostgreSQL', clientKind: 'lean', target: 'pciq-pg', nodes: 2 },
  { name: 'pg-3', label: '(c) lean → 3 pciq nodes, PostgreSQL', clientKind: 'lean', target: 'pciq-pg', nodes: 3 },
];

export const pgbossLabel = '    peer: pg-boss on PostgreSQL';

export const bullmqLabel = '    peer: BullMQ on Redis';
