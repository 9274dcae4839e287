/**
 * The ARN of an account's vault: what `pciq:Tokenize`, `pciq:Detokenize` and `pciq:DeleteToken` are
 * authorized against, and the scope its card numbers are sealed in. One vault per account for now; the
 * name leaves room for more.
 */
export function vaultArn(region: string, accountId: string): string {
  return `arn:aws:pciq:${region}:${accountId}:vault/default`;
}
