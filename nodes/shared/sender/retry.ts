/** Retry policy: which outcomes are retried, how long to wait, and an abortable sleep. */

/** Statuses worth another attempt: the receiver is busy, rate-limiting or broken for now. */
export function isRetryableStatus(status: number): boolean {
	return status === 408 || status === 425 || status === 429 || (status >= 500 && status <= 599);
}

/**
 * Full-jitter exponential backoff (AWS architecture blog): a uniform delay in
 * [0, min(cap, base * 2^(n-1))), where n is the number of the attempt that just failed.
 * Full jitter spreads a burst of failed deliveries instead of retrying them in lockstep.
 */
export function backoffDelayMs(failedAttempt: number, baseMs: number, capMs: number, random: () => number): number {
	const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, failedAttempt - 1));
	const r = Math.min(Math.max(random(), 0), 1);
	return Math.floor(r * ceiling);
}

/**
 * Parse a Retry-After value (delta-seconds or an HTTP-date) into milliseconds from `nowMs`.
 * Returns null when absent or unparseable; a date in the past means "now" (0).
 */
export function parseRetryAfterMs(value: string | undefined, nowMs: number = Date.now()): number | null {
	if (value === undefined) return null;
	const v = value.trim();
	if (v === '') return null;
	if (/^\d+$/.test(v)) return Number(v) * 1000;
	// Only HTTP-dates (they contain a weekday/month name); refuses '1.5' or '-3'.
	if (!/[a-z]/i.test(v)) return null;
	const at = Date.parse(v);
	if (Number.isNaN(at)) return null;
	return Math.max(0, at - nowMs);
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<boolean> {
	return new Promise((resolve) => {
		if (signal?.aborted) return resolve(false);
		const onAbort = () => {
			clearTimeout(timer);
			resolve(false);
		};
		const timer = setTimeout(() => {
			signal?.removeEventListener('abort', onAbort);
			resolve(true);
		}, ms);
		signal?.addEventListener('abort', onAbort, { once: true });
	});
}
