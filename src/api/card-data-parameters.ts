import type { ErrorCode } from '../core/index.ts';
import { refuseCardDataIn } from '../guard/index.ts';
import type { ActionInput } from './action-input.ts';
import type { ApiAction } from './service.ts';

/** The error code for a parameter holding card data, or undefined for a parameter that is not screened. */
export type CardDataCodes = (parameter: string) => ErrorCode | undefined;

/**
 * `action`, refusing before it runs a request whose management parameters (names, paths, tags, descriptions,
 * policy documents, queue attributes) hold card data: they are stored in plain text, unlike message bodies,
 * whose card numbers the guard tokenizes (PCI DSS 3.4, 3.5). One place for both wire protocols, which decode
 * into the same input. Maps and lists are screened whole, keys included (tag keys, attribute names).
 */
export function refusingCardData(action: ApiAction, codeOf: CardDataCodes): ApiAction {
  return {
    ...action,
    run(input, context) {
      screenParameters(input, codeOf);
      return action.run(input, context);
    },
  };
}

function screenParameters(input: ActionInput, codeOf: CardDataCodes): void {
  for (const [parameter, value] of Object.entries(input.raw)) {
    const code = codeOf(parameter);
    if (code !== undefined) screenValue(value, parameter, code);
  }
}

function screenValue(value: unknown, field: string, code: ErrorCode): void {
  if (typeof value === 'string') refuseCardDataIn(code, field, value);
  else if (Array.isArray(value)) for (const item of value) screenValue(item, field, code);
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      // A key holding card data is refused before it could be named in the message of its value.
      refuseCardDataIn(code, `A key of ${field}`, key);
      screenValue(item, `${field}.${key}`, code);
    }
  }
}
