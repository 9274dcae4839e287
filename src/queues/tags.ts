import { invalidParameter } from '../core/index.ts';
import { assertValidDataPolicy } from './data-policy.ts';
import { limits } from './limits.ts';

/** Tag keys and values: letters, numbers, spaces and _ . : / = + - @ (AWS tagging rules); `aws:` is reserved. */
const tagCharacters = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

export function validateTags(tags: Record<string, string>): void {
  const entries = Object.entries(tags);
  if (entries.length > limits.maxTagsPerQueue) {
    throw invalidParameter(`Too many tags: a queue has at most ${limits.maxTagsPerQueue} tags.`);
  }
  for (const [key, value] of entries) {
    if (key.length === 0 || key.length > limits.tagKeyMaxLength || !tagCharacters.test(key)) {
      throw invalidParameter(
        `Tag key '${key.slice(0, limits.tagKeyMaxLength)}' is invalid: 1 to 128 letters, numbers, spaces or _ . : / = + - @.`,
      );
    }
    if (key.toLowerCase().startsWith('aws:'))
      throw invalidParameter(`Tag key '${key}' is invalid: the aws: prefix is reserved.`);
    if (value.length > limits.tagValueMaxLength || !tagCharacters.test(value)) {
      throw invalidParameter(
        `The value of tag '${key}' is invalid: up to 256 letters, numbers, spaces or _ . : / = + - @.`,
      );
    }
    assertValidDataPolicy(key, value, 'tag');
  }
}
