/**
 * Policy text with wildcards and policy variables (reference_policies_variables,
 * reference_policies_elements_resource): `*` any run of characters, `?` one character, `${key}` or
 * `${key, 'default'}` the value of a single-valued request key, `${*}` `${?}` `${$}` the literal characters.
 * Variables exist only in Version 2012-10-17; in 2008-10-17 `${...}` is plain text.
 */

export const anyRun = 0;
export const anyOne = 1;
export interface VariableRef {
  /** Request key, lower-cased: key names are case-insensitive. */
  key: string;
  /** From `${key, 'default'}`, used when the request has no single value for the key. */
  fallback?: string;
}
/** Literal text or a wildcard: a piece once variables are resolved. */
export type ResolvedPiece = string | typeof anyRun | typeof anyOne;
export type Piece = ResolvedPiece | VariableRef;

export interface Template {
  pieces: Piece[];
  hasWildcards: boolean;
  hasVariables: boolean;
}

const escapes: Record<string, string> = { '*': '*', '?': '?', $: '$' };
const variablePattern = /^\$\{\s*([^\s,'{}][^,'{}]*?)\s*(?:,\s*'((?:[^']|'')*)'\s*)?\}/;

/**
 * Splits `text` into literal text, wildcards (when `wildcards`) and variables (when `variables`).
 * Adjacent literal characters are merged, so a template without wildcards or variables is one string.
 */
export function parseTemplate(text: string, options: { wildcards: boolean; variables: boolean }): Template {
  const pieces: Piece[] = [];
  let literal = '';
  let hasWildcards = false;
  let hasVariables = false;
  const flush = () => {
    if (literal) pieces.push(literal);
    literal = '';
  };
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (options.wildcards && (char === '*' || char === '?')) {
      flush();
      pieces.push(char === '*' ? anyRun : anyOne);
      hasWildcards = true;
      continue;
    }
    if (options.variables && char === '$' && text[i + 1] === '{') {
      const escaped = text[i + 3] === '}' ? escapes[text[i + 2]!] : undefined;
      if (escaped) {
        literal += escaped;
        i += 3;
        continue;
      }
      const match = variablePattern.exec(text.slice(i));
      if (match) {
        flush();
        const ref: VariableRef = { key: match[1]!.toLowerCase() };
        if (match[2] !== undefined) ref.fallback = match[2].replaceAll("''", "'");
        pieces.push(ref);
        hasVariables = true;
        i += match[0].length - 1;
        continue;
      }
    }
    literal += char;
  }
  flush();
  return { pieces, hasWildcards, hasVariables };
}

/** A resolver answers a variable with the request's single value for it, or undefined. */
export type Resolve = (key: string) => string | undefined;

/**
 * Replaces variables by their values, which become literal text (a user named `a*` must not become a
 * wildcard). Returns undefined when a variable has no value and no default: AWS then treats the element as
 * not matching ("any attempt to match it fails and causes the statement to be invalid").
 */
export function resolveTemplate(template: Template, resolve: Resolve): ResolvedPiece[] | undefined {
  const out: ResolvedPiece[] = [];
  for (const piece of template.pieces) {
    if (typeof piece === 'object') {
      const value = resolve(piece.key) ?? piece.fallback;
      if (value === undefined) return undefined;
      out.push(value);
    } else out.push(piece);
  }
  return out;
}

export type MatchMode =
  /** ARN semantics: wildcards stay within a colon-separated segment, except in the resource part (after
   * the fifth colon) and a `*` ending the pattern, which "can expand to match beyond the colon boundaries". */
  | 'arn'
  /** StringLike: `*` and `?` match any characters. */
  | 'plain';

const regexSpecials = /[\\^$.*+?()[\]{}|/]/g;

/** The regular-expression source (unanchored) for resolved pieces. */
export function regexSource(pieces: readonly ResolvedPiece[], mode: MatchMode): string {
  let source = '';
  let segment = 0;
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i]!;
    if (typeof piece === 'string') {
      source += piece.replace(regexSpecials, '\\$&');
      if (mode === 'arn') for (const char of piece) if (char === ':') segment++;
      continue;
    }
    const withinSegment = mode === 'arn' && segment < 5 && !(piece === anyRun && i === pieces.length - 1);
    if (piece === anyRun) source += withinSegment ? '[^:]*' : '[\\s\\S]*';
    else source += withinSegment ? '[^:]' : '[\\s\\S]';
  }
  return source;
}

/** One anchored expression matching any of the alternatives. */
export function alternation(sources: readonly string[], flags = ''): RegExp {
  return new RegExp(sources.length === 1 ? `^${sources[0]}$` : `^(?:${sources.join('|')})$`, flags);
}
