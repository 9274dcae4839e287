import { PciqError } from '../../../core/index.ts';
import type { ContextValue, MatchedStatement } from '../../../iam/index.ts';
import type { ActionInput } from '../../action-input.ts';
import { memberList, stringMembers } from '../../aws-query/input.ts';
import type { ApiAction } from '../../service.ts';
import { accountOf } from '../resources.ts';

const decisions = { Allow: 'allowed', ExplicitDeny: 'explicitDeny', ImplicitDeny: 'implicitDeny' } as const;

/** ContextEntries as SimulatePrincipalPolicy takes them: name, values, type. */
function contextOf(input: ActionInput): Record<string, ContextValue> {
  const keys: Record<string, ContextValue> = {};
  for (const item of memberList(input, 'ContextEntries')) {
    const entry = item as Record<string, unknown>;
    const name = entry['ContextKeyName'];
    const type = String(entry['ContextKeyType'] ?? 'string');
    const raw = entry['ContextKeyValues'];
    const values = (Array.isArray(raw) ? raw : typeof raw === 'object' && raw ? Object.values(raw) : []).map(String);
    if (typeof name !== 'string' || values.length === 0) {
      throw new PciqError('InvalidInput', 'Each context entry needs a ContextKeyName and ContextKeyValues.');
    }
    const convert = (value: string): string | number | boolean =>
      type.startsWith('boolean') ? value === 'true' : type.startsWith('numeric') ? Number(value) : value;
    keys[name] = type.endsWith('List') ? values.map((value) => String(convert(value))) : convert(values[0]!);
  }
  return keys;
}

function sourceOf(match: MatchedStatement): { SourcePolicyId: string; SourcePolicyType: string } {
  if (match.layer === 'resource') return { SourcePolicyId: 'ResourcePolicy', SourcePolicyType: 'resource' };
  const inline = /^(user|group|role)\/[^/]+\/(.+)$/.exec(match.policyId);
  if (inline) return { SourcePolicyId: inline[2]!, SourcePolicyType: inline[1]! };
  return {
    SourcePolicyId: match.policyId,
    SourcePolicyType: match.policyId.startsWith('arn:aws:iam::aws:') ? 'aws-managed' : 'user-managed',
  };
}

export const simulateActions: ApiAction[] = [
  {
    name: 'SimulatePrincipalPolicy',
    resource: (input) => input.string('PolicySourceArn'),
    async run(input, context) {
      const resourceArns = stringMembers(input, 'ResourceArns');
      const resourcePolicy = input.optionalString('ResourcePolicy');
      const results = await context.app.iam.simulate(accountOf(context), {
        policySourceArn: input.string('PolicySourceArn'),
        actionNames: stringMembers(input, 'ActionNames'),
        context: contextOf(input),
        ...(resourceArns.length ? { resourceArns } : {}),
        ...(resourcePolicy !== undefined ? { resourcePolicy } : {}),
      });
      return {
        EvaluationResults: results.map((result) => ({
          EvalActionName: result.action,
          EvalResourceName: result.resource,
          EvalDecision: decisions[result.decision],
          MatchedStatements: result.matched.map(sourceOf),
          MissingContextValues: [],
        })),
        IsTruncated: false,
      };
    },
  },
];
