/** What one client process saw during a run: enough to check every message went through exactly once. */
export interface RoundTripTally {
  sentIds: string[];
  /** The marker at the start of each sent body, in the order of `sentIds`. */
  sentMarkers: string[];
  receivedIds: string[];
  receivedMarkers: string[];
  sendLatenciesMs: number[];
  failedSends: number;
  failedDeletes: number;
  md5Mismatches: number;
  /** Received bodies of the wrong length or without a marker. */
  malformedBodies: number;
}

export function emptyTally(): RoundTripTally {
  return {
    sentIds: [],
    sentMarkers: [],
    receivedIds: [],
    receivedMarkers: [],
    sendLatenciesMs: [],
    failedSends: 0,
    failedDeletes: 0,
    md5Mismatches: 0,
    malformedBodies: 0,
  };
}

const markerEnd = '|';

/** Bodies of exactly `bodyBytes` ASCII characters that start with a marker unique in the run. */
export function bodyFactory(workerIndex: number, bodyBytes: number): () => string {
  let sequence = 0;
  return () => {
    const marker = `w${workerIndex}-${sequence++}${markerEnd}`;
    return marker.padEnd(bodyBytes, 'x');
  };
}

export function markerOf(body: string): string | undefined {
  const end = body.indexOf(markerEnd);
  return end > 0 ? body.slice(0, end) : undefined;
}
