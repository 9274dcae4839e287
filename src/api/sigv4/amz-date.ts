/** The ISO 8601 basic timestamps SigV4 signs (`20260101T000000Z`), and the HTTP `Date` header fallback. */

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
// RFC 7231 IMF-fixdate, plus the '-0000' zone botocore writes (Python's email.utils.formatdate).
const HTTP_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} (GMT|[+-]0000)$/;

/** Milliseconds since the epoch, or undefined unless `value` is a real instant in `YYYYMMDDTHHMMSSZ` form. */
export function parseAmzDate(value: string): number | undefined {
  const match = AMZ_DATE.exec(value);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 30 February over into March and years below 100 into the 1900s; a real date survives.
  const instant = new Date(ms);
  const isRealDate =
    instant.getUTCFullYear() === year && instant.getUTCMonth() === month - 1 && instant.getUTCDate() === day;
  return isRealDate ? ms : undefined;
}

/** A `Date` header may carry either form; SigV4 still signs the ISO basic form (see `formatAmzDate`). */
export function parseDateHeader(value: string): number | undefined {
  const amzDate = parseAmzDate(value);
  if (amzDate !== undefined) return amzDate;
  if (!HTTP_DATE.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

export function formatAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, '');
}
