import { totpCode as codeAt, decodeBase32, totpStepSec } from '../../src/iam/mfa/index.ts';

/** An RFC 6238 code (SHA-1, 30-second steps, six digits), as an authenticator app shows it, for tests. */
export function totpCode(secretBase32: string, atMs: number): string {
  return codeAt(decodeBase32(secretBase32), atMs);
}

/**
 * What an authenticator app does, for end-to-end tests on the real clock: the code of a step relative to
 * now. Servers accept one step of drift either way, so a test that enrols with the two previous steps can
 * then use the current one without waiting for the clock.
 */
export function authenticator(base32Seed: string) {
  return (stepOffset = 0) => totpCode(base32Seed, Date.now() + stepOffset * totpStepSec * 1000);
}

/** Waits past a step boundary that is about to come, so codes computed now stay in the server's window. */
export async function awayFromStepBoundary(marginMs = 4_000): Promise<void> {
  const intoStep = Date.now() % (totpStepSec * 1000);
  const left = totpStepSec * 1000 - intoStep;
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}
