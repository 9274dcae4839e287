import { invalidParameter } from '../core/index.ts';

/**
 * Lambda event filtering for SQS event source mappings (the EventBridge-style pattern syntax Lambda
 * documents): up to 5 patterns, ORed; a record goes to the function if any pattern matches it, otherwise
 * Lambda deletes the message. Within a pattern, keys are ANDed, the values listed for a key are ORed, and
 * `$or` ORs whole sub-patterns. Leaf rules: exact string, number, boolean, null and "" values, `prefix`,
 * `suffix`, `equals-ignore-case`, `anything-but` (a value, a list, or a prefix/suffix), `numeric` (one or
 * two comparisons) and `exists`.
 *
 * The message body is matched as Lambda does: a pattern whose `body` is an object matches only bodies that
 * are JSON objects, against their parsed fields; a pattern whose `body` is a list of rules matches only
 * bodies that are not JSON objects, against the raw text. Either mismatch drops the message.
 */
export const maxFilters = 5;
const maxPatternLength = 4096;
/** The record keys a pattern may name; Lambda documents `body` for SQS, and older patterns use the attributes. */
const filterableKeys = new Set(['body', 'attributes', 'messageAttributes']);
const numericOperators = new Set(['=', '<', '<=', '>', '>=']);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Pattern = { [key: string]: Json };

/** Parsed, checked filter criteria; empty when the mapping has no filters (everything matches). */
export interface FilterCriteria {
  readonly patterns: readonly Pattern[];
}

export function parseFilterCriteria(texts: readonly string[]): FilterCriteria {
  if (texts.length > maxFilters) {
    throw invalidParameter(`At most ${maxFilters} filters may be given; they are ORed together.`);
  }
  return { patterns: texts.map((text, index) => parsePattern(text, index + 1)) };
}

function parsePattern(text: string, position: number): Pattern {
  const where = `Filter ${position}`;
  if (text.length > maxPatternLength) throw invalidParameter(`${where} is longer than ${maxPatternLength} characters.`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidParameter(`${where} is not valid JSON.`);
  }
  if (!isObject(value) || Object.keys(value).length === 0) {
    throw invalidParameter(`${where} must be a non-empty JSON object, e.g. {"body":{"type":["order"]}}.`);
  }
  for (const key of Object.keys(value)) {
    if (key !== '$or' && !filterableKeys.has(key)) {
      throw invalidParameter(`${where} names '${key.slice(0, 64)}': SQS mappings filter on body (and attributes).`);
    }
  }
  checkPatternObject(value as Pattern, where);
  return value as Pattern;
}

function checkPatternObject(pattern: Pattern, where: string): void {
  for (const [key, value] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2 || !value.every(isObject)) {
        throw invalidParameter(`${where}: $or takes a list of at least two patterns.`);
      }
      for (const branch of value) checkPatternObject(branch as Pattern, where);
    } else if (Array.isArray(value)) {
      if (value.length === 0) throw invalidParameter(`${where}: the rules for '${key}' are an empty list.`);
      for (const rule of value) checkRule(rule, key, where);
    } else if (isObject(value)) {
      checkPatternObject(value, where);
    } else {
      throw invalidParameter(`${where}: '${key}' must hold a list of rules or a nested pattern, e.g. ["value"].`);
    }
  }
}

function checkRule(rule: Json, key: string, where: string): void {
  if (!isObject(rule)) {
    if (Array.isArray(rule)) throw invalidParameter(`${where}: a rule for '${key}' cannot be a list.`);
    return;
  }
  const names = Object.keys(rule);
  const [name] = names;
  const operand = name === undefined ? undefined : rule[name];
  const bad = (expected: string) => invalidParameter(`${where}: ${name ?? 'an empty rule'} for '${key}' ${expected}.`);
  if (names.length !== 1) throw bad('must be an object with exactly one operator');
  switch (name) {
    case 'prefix':
    case 'suffix':
    case 'equals-ignore-case':
      if (typeof operand !== 'string') throw bad('takes a string');
      return;
    case 'exists':
      if (typeof operand !== 'boolean') throw bad('takes true or false');
      return;
    case 'anything-but':
      if (isObject(operand)) {
        const [inner, ...more] = Object.keys(operand);
        if (more.length > 0 || (inner !== 'prefix' && inner !== 'suffix') || typeof operand[inner] !== 'string')
          throw bad('takes a value, a list of values, or {"prefix": "..."} / {"suffix": "..."}');
        return;
      }
      if (Array.isArray(operand) ? operand.some((v) => isObject(v) || Array.isArray(v)) : false)
        throw bad('takes strings or numbers');
      return;
    case 'numeric':
      checkNumeric(operand, bad);
      return;
    default:
      throw bad('is not an operator Lambda filters support');
  }
}

function checkNumeric(operand: Json | undefined, bad: (expected: string) => Error): void {
  if (!Array.isArray(operand) || (operand.length !== 2 && operand.length !== 4)) {
    throw bad('takes [operator, number] or a range [">", low, "<=", high]');
  }
  for (let i = 0; i < operand.length; i += 2) {
    if (!numericOperators.has(operand[i] as string) || typeof operand[i + 1] !== 'number')
      throw bad('takes operators =, <, <=, >, >= each followed by a number');
  }
  if (operand.length === 4 && (!String(operand[0]).startsWith('>') || !String(operand[2]).startsWith('<')))
    throw bad('ranges are written [">" or ">=", low, "<" or "<=", high]');
}

/** What the patterns see of a record: the parsed body when it is a JSON object, else its text. */
export interface FilterableRecord {
  body: string;
  attributes: Record<string, string>;
  messageAttributes: Record<string, unknown>;
}

export function matchesFilters(criteria: FilterCriteria, record: FilterableRecord): boolean {
  if (criteria.patterns.length === 0) return true;
  let parsedBody: Json | undefined;
  let isParsed = false;
  const body = (): Json | undefined => {
    if (!isParsed) {
      isParsed = true;
      try {
        const value = JSON.parse(record.body) as Json;
        parsedBody = isObject(value) ? value : undefined;
      } catch {
        parsedBody = undefined;
      }
    }
    return parsedBody;
  };
  return criteria.patterns.some((pattern) => matchesRecord(pattern, record, body));
}

function matchesRecord(pattern: Pattern, record: FilterableRecord, body: () => Json | undefined): boolean {
  for (const [key, rules] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!(rules as Pattern[]).some((branch) => matchesRecord(branch, record, body))) return false;
      continue;
    }
    if (key === 'body') {
      const parsed = body();
      // Lambda drops a message whose body's format (JSON object or plain text) differs from the pattern's.
      if (isObject(rules)) {
        if (parsed === undefined || !matchesObject(rules, parsed)) return false;
      } else if (parsed !== undefined || !matchesValue(rules as Json[], record.body, true)) {
        return false;
      }
      continue;
    }
    const value = (record as unknown as Record<string, Json>)[key];
    if (!matchesField(rules, value, value !== undefined)) return false;
  }
  return true;
}

function matchesObject(pattern: Pattern, value: Json): boolean {
  for (const [key, rules] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!(rules as Pattern[]).some((branch) => matchesObject(branch, value))) return false;
      continue;
    }
    const field = isObject(value) && Object.hasOwn(value, key) ? value[key] : undefined;
    if (!matchesField(rules, field, isObject(value) && Object.hasOwn(value, key))) return false;
  }
  return true;
}

function matchesField(rules: Json, value: Json | undefined, isPresent: boolean): boolean {
  if (isObject(rules)) return isPresent && value !== undefined && matchesObject(rules, value);
  return matchesValue(rules as Json[], value, isPresent);
}

/** A list of rules against one field: any rule matching any of the field's values (lists are flattened). */
function matchesValue(rules: readonly Json[], value: Json | undefined, isPresent: boolean): boolean {
  const values: Json[] = Array.isArray(value) ? value : isPresent ? [value as Json] : [];
  return rules.some((rule) => {
    if (isObject(rule) && 'exists' in rule) {
      const exists = isPresent && !isObject(value as Json);
      return rule.exists === exists;
    }
    return values.some((item) => matchesRule(rule, item));
  });
}

function matchesRule(rule: Json, value: Json): boolean {
  if (!isObject(rule)) {
    if (typeof rule === 'number') return typeof value === 'number' && value === rule;
    return value === rule;
  }
  const [name] = Object.keys(rule);
  const operand = rule[name!]!;
  switch (name) {
    case 'prefix':
      return typeof value === 'string' && value.startsWith(operand as string);
    case 'suffix':
      return typeof value === 'string' && value.endsWith(operand as string);
    case 'equals-ignore-case':
      return typeof value === 'string' && value.toLowerCase() === (operand as string).toLowerCase();
    case 'anything-but':
      return matchesAnythingBut(operand, value);
    case 'numeric':
      return typeof value === 'number' && matchesNumeric(operand as Json[], value);
    default:
      return false;
  }
}

function matchesAnythingBut(operand: Json, value: Json): boolean {
  if (isObject(operand)) {
    if (typeof value !== 'string') return false;
    if ('prefix' in operand) return !value.startsWith(operand.prefix as string);
    return !value.endsWith(operand.suffix as string);
  }
  const excluded = Array.isArray(operand) ? operand : [operand];
  return !excluded.some((item) => item === value);
}

function matchesNumeric(operand: readonly Json[], value: number): boolean {
  for (let i = 0; i < operand.length; i += 2) {
    const bound = operand[i + 1] as number;
    const holds =
      operand[i] === '='
        ? value === bound
        : operand[i] === '<'
          ? value < bound
          : operand[i] === '<='
            ? value <= bound
            : operand[i] === '>'
              ? value > bound
              : value >= bound;
    if (!holds) return false;
  }
  return true;
}

function isObject(value: unknown): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
