import type { RoundTripTally } from './tally.ts';

/**
 * Problems with what the clients of one run saw, as sentences; none when every sent message was received
 * exactly once with the body it was sent with. A standard queue may deliver twice in SQS, but here nothing
 * outlives its 30 s visibility timeout, so a duplicate would be a server bug.
 */
export function verifyRoundTrips(tallies: readonly RoundTripTally[], expectedMessages: number): string[] {
  const problems: string[] = [];
  const sentMarkerById = new Map<string, string>();
  let duplicateSends = 0;
  for (const tally of tallies) {
    tally.sentIds.forEach((id, i) => {
      if (sentMarkerById.has(id)) duplicateSends++;
      sentMarkerById.set(id, tally.sentMarkers[i]!);
    });
  }
  const received = new Set<string>();
  let duplicates = 0;
  let unexpected = 0;
  let wrongBodies = 0;
  for (const tally of tallies) {
    tally.receivedIds.forEach((id, i) => {
      if (received.has(id)) duplicates++;
      received.add(id);
      const sentMarker = sentMarkerById.get(id);
      if (sentMarker === undefined) unexpected++;
      else if (sentMarker !== tally.receivedMarkers[i]) wrongBodies++;
    });
  }
  const missing = [...sentMarkerById.keys()].filter((id) => !received.has(id)).length;
  const sum = (field: 'failedSends' | 'failedDeletes' | 'md5Mismatches' | 'malformedBodies') =>
    tallies.reduce((total, tally) => total + tally[field], 0);

  if (sentMarkerById.size !== expectedMessages) {
    problems.push(`${sentMarkerById.size} messages accepted, ${expectedMessages} sent`);
  }
  if (duplicateSends > 0) problems.push(`${duplicateSends} message ids handed out twice by SendMessageBatch`);
  if (missing > 0) problems.push(`${missing} sent messages never received`);
  if (duplicates > 0) problems.push(`${duplicates} messages received more than once`);
  if (unexpected > 0) problems.push(`${unexpected} received messages were never sent in this run`);
  if (wrongBodies > 0) problems.push(`${wrongBodies} messages received with another message's body`);
  if (sum('failedSends') > 0) problems.push(`${sum('failedSends')} SendMessageBatch entries failed`);
  if (sum('failedDeletes') > 0) problems.push(`${sum('failedDeletes')} DeleteMessageBatch entries failed`);
  if (sum('md5Mismatches') > 0) problems.push(`${sum('md5Mismatches')} MD5 digests did not match the body`);
  if (sum('malformedBodies') > 0) problems.push(`${sum('malformedBodies')} bodies came back altered`);
  return problems;
}
