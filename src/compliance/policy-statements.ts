/**
 * What a resource policy document (a queue's Policy, a key's policy) grants, read from its raw JSON: rules
 * look for statements that allow everyone or every action (PCI DSS 7.2.1, 7.2.2: least privilege), and
 * remediation removes exactly those statements. Raw reading on purpose: a document IAM's parser would
 * refuse is still a document someone stored, and must still be judged.
 */
export interface StatementFacts {
  index: number;
  sid: string | null;
  effect: string;
  /** Principal `*` or `{"AWS": "*"}`, or a NotPrincipal (everyone but the principals it names). */
  isPublic: boolean;
  /** Action `*`, `service:*` (or `*:*`), or a NotAction (every action but those it names). */
  isAllActions: boolean;
  hasCondition: boolean;
}

export interface PolicyFacts {
  isPresent: boolean;
  isParsable: boolean;
  statements: StatementFacts[];
  /** An Allow statement open to everyone with no condition to narrow it. */
  isOpenToAll: boolean;
  /** An Allow statement for every action. */
  allowsAllActions: boolean;
  /** Sids (or positions) of the statements that make it so. */
  wildcardStatements: string[];
}

/** A policy field that holds one value or a list of them, as a list. */
export function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

function isWildcardPrincipal(principal: unknown): boolean {
  if (principal === '*') return true;
  if (typeof principal === 'object' && principal !== null) {
    return Object.values(principal).some((value) => listOf(value).includes('*'));
  }
  return false;
}

export function statementsOf(document: Record<string, unknown>): Array<Record<string, unknown>> {
  return listOf(document.Statement).filter(
    (statement): statement is Record<string, unknown> => typeof statement === 'object' && statement !== null,
  );
}

/** `*`, or a pattern whose action part is only wildcards (`sqs:*`, `*:*`): it matches every action of a service. */
function isAllActionsPattern(action: unknown): boolean {
  return typeof action === 'string' && /^(\*+|[a-z0-9*?-]+:\*+)$/i.test(action);
}

function factsOf(statement: Record<string, unknown>, index: number): StatementFacts {
  return {
    index,
    sid: typeof statement.Sid === 'string' ? statement.Sid : null,
    effect: String(statement.Effect ?? ''),
    // IAM evaluates an Allow with NotPrincipal as an Allow for everyone else, and an Allow with NotAction
    // as one for every other action, present and future: each is as open as the wildcard it avoids writing.
    isPublic: isWildcardPrincipal(statement.Principal) || statement.NotPrincipal !== undefined,
    isAllActions: listOf(statement.Action).some(isAllActionsPattern) || statement.NotAction !== undefined,
    hasCondition:
      typeof statement.Condition === 'object' &&
      statement.Condition !== null &&
      Object.keys(statement.Condition).length > 0,
  };
}

/** True for the statements remediation removes: Allow to everyone without a condition, or Allow of every action. */
export function isWildcardStatement(facts: StatementFacts): boolean {
  return facts.effect === 'Allow' && ((facts.isPublic && !facts.hasCondition) || facts.isAllActions);
}

export function analysePolicy(text: string | undefined | null): PolicyFacts {
  const empty: PolicyFacts = {
    isPresent: false,
    isParsable: true,
    statements: [],
    isOpenToAll: false,
    allowsAllActions: false,
    wildcardStatements: [],
  };
  if (!text) return empty;
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return { ...empty, isPresent: true, isParsable: false };
  }
  if (typeof document !== 'object' || document === null) return { ...empty, isPresent: true, isParsable: false };
  const statements = statementsOf(document as Record<string, unknown>).map(factsOf);
  const allows = statements.filter((facts) => facts.effect === 'Allow');
  return {
    isPresent: true,
    isParsable: true,
    statements,
    isOpenToAll: allows.some((facts) => facts.isPublic && !facts.hasCondition),
    allowsAllActions: allows.some((facts) => facts.isAllActions),
    wildcardStatements: statements.filter(isWildcardStatement).map((facts) => facts.sid ?? `Statement[${facts.index}]`),
  };
}

/** The document without its wildcard statements; undefined when none remain (the policy is removed). */
export function withoutWildcardStatements(text: string): string | undefined {
  const document = JSON.parse(text) as Record<string, unknown>;
  const kept = statementsOf(document).filter((statement, index) => !isWildcardStatement(factsOf(statement, index)));
  if (kept.length === 0) return undefined;
  return JSON.stringify({ ...document, Statement: kept });
}
