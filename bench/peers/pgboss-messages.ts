import type { BullmqFigures } from './bullmq-messages.ts';

/** Coordinator → pg-boss peer process. */
export interface PgbossAssignment {
  url: string;
  /** pg-boss's own schema in the bench database. */
  schema: string;
  messages: number;
  producers: number;
  bodyBytes: number;
}

/** pg-boss peer process → coordinator. */
export type PgbossOutcome = { type: 'measured'; figures: BullmqFigures } | { type: 'failed'; error: string };
