import type { Caller } from '../core/index.ts';

/**
 * The single authorization choke point: every API request asks it before acting. Until IAM policies land,
 * an authenticated caller with an active access key is an administrator of its own account; the policy
 * evaluator (default deny, explicit deny wins) replaces this body, not its call sites.
 */
export function authorize(caller: Caller, action: string, resource: string): void {
  void caller;
  void action;
  void resource;
}
