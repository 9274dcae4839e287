import { decodeBase32, totpCode, totpStepSec } from '../../src/iam/mfa/index.ts';

/**
 * What an authenticator app does, for end-to-end tests on the real clock: the code of a step relative to
 * now. Servers accept one step of drift either way, so a test that enrols with the two previous steps can
 * then use the current one without waiting for the clock.
 */
export function authenticator(base32Seed: string) {
  const seed = decodeBase32(base32Seed);
  return (stepOffset = 0) => totpCode(seed, Date.now() + stepOffset * totpStepSec * 1000);
}

/** Waits past a step boundary that is about to come, so codes computed now stay in the server's window. */
export async function awayFromStepBoundary(marginMs = 4_000): Promise<void> {
  const intoStep = Date.now() % (totpStepSec * 1000);
  const left = totpStepSec * 1000 - intoStep;
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}
