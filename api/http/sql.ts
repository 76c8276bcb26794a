/** What the families' routes share about SQL errors. */

/** PostgreSQL's unique (23505) and foreign-key (23503) violations, which a concurrent request can still cause. */
export const isViolation = (error: unknown, code: '23505' | '23503') => (error as { code?: string }).code === code;
