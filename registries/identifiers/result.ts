/** What every identifier validator returns: never throws on bad input, says which rule failed. */
export interface IdentifierResult<Facts = Record<string, unknown>> {
  readonly valid: boolean;
  /** the value in its canonical form (upper case, upgraded), when it could be read at all */
  readonly normalized: string | null;
  readonly facts: Facts | null;
  readonly errors: readonly { readonly rule: string; readonly message: string }[];
}

export function failure<F>(normalized: string | null, rule: string, message: string): IdentifierResult<F> {
  return { valid: false, normalized, facts: null, errors: [{ rule, message }] };
}
