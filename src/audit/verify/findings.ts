/**
 * What verification reports. Each finding names the place: a record position (seq), a range, a checkpoint
 * or a segment, so an investigator knows where to look (PCI DSS 10.3.4).
 */
export type FindingKind =
  /** A record's content changed after it was written. */
  | 'altered'
  /** Records missing from where the chain says they were. */
  | 'removed'
  /** A record found at another record's position. */
  | 'reordered'
  /** A record pciq did not write (its MAC does not verify, or nothing signed it). */
  | 'inserted'
  /** Records a signed checkpoint covers are missing from the end. */
  | 'truncated'
  /** A checkpoint that is unsigned, mis-signed, out of chain, or whose root the records do not give. */
  | 'checkpoint'
  /** An archive segment missing, altered or out of line. */
  | 'segment'
  /** A signing key that is not authentic. */
  | 'key'
  /** Records not yet covered by a signed checkpoint (not a failure on a running server). */
  | 'unsealed';

export interface Finding {
  kind: FindingKind;
  /** Informational findings do not fail verification. */
  isFailure: boolean;
  firstSeq?: number;
  lastSeq?: number;
  checkpoint?: number;
  message: string;
}

export function failure(kind: FindingKind, message: string, place: Partial<Finding> = {}): Finding {
  return { kind, isFailure: true, ...place, message };
}

export function note(kind: FindingKind, message: string, place: Partial<Finding> = {}): Finding {
  return { kind, isFailure: false, ...place, message };
}

export function rangeText(first: number, last: number): string {
  return first === last ? `record ${first}` : `records ${first}..${last}`;
}
