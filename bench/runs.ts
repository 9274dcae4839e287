import type { ClientKind } from './clients/queue-client.ts';
import type { RunName } from './config.ts';

export type TargetName = 'pciq' | 'fauxqs';

export interface RoundTripRun {
  name: RunName;
  label: string;
  clientKind: ClientKind;
  target: TargetName;
  /** Sign as the principal with 50 policies of 10 statements instead of the allow-all administrator. */
  isPolicyHeavy?: boolean;
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
];

export const bullmqLabel = '    peer: BullMQ on Redis';
