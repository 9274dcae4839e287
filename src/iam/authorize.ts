import type { Caller } from '../core/index.ts';
import type { AuthorizationContext } from './access-control.ts';

/**
 * What any module gets to ask "may this caller do this here?" inside a request, e.g. the tokenization vault
 * about `pciq:Detokenize` while delivering a message: `IamService.authorize` (or `AccessControl.authorize`),
 * passed in as a dependency. It allows, or throws AccessDenied after recording the refusal.
 */
export type Authorize = (
  caller: Caller,
  action: string,
  resource: string,
  context?: AuthorizationContext,
) => Promise<void>;
