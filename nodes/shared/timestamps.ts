import { trimOws } from './encoding';
import { DeliveryError } from './errors';

/** Milliseconds since the epoch; injectable so tests can pin the clock. */
export type Clock = () => number;
export const systemClock: Clock = () => Date.now();

/**
 * Reads a timestamp header: unix seconds, unix milliseconds (13+ digits) or an ISO-8601 date.
 * Returns unix seconds. Throws `bad_timestamp` for anything else.
 */
export function parseTimestamp(value: string): number {
	const text = trimOws(value);
	if (/^\d{1,12}$/.test(text)) return Number(text);
	if (/^\d{13,16}$/.test(text)) return Math.floor(Number(text) / 1000);
	const ms = parseIsoDate(text);
	if (!Number.isNaN(ms)) return Math.floor(ms / 1000);
	throw new DeliveryError('bad_timestamp', 'The timestamp is not a unix time or an ISO-8601 date');
}

/**
 * Integer unix seconds and nothing else: what Standard Webhooks' `webhook-timestamp` holds. The
 * spec and its reference libraries refuse milliseconds, fractions and dates; so do we (a
 * 13-digit value is read as seconds, far in the future, and refused as such).
 */
export function parseUnixSeconds(value: string): number {
	if (!/^\d{1,15}$/.test(value)) throw new DeliveryError('bad_timestamp', 'The timestamp is not integer unix seconds');
	return Number(value);
}

/**
 * Milliseconds of an ISO-8601 date, or NaN. Only ISO text: V8's Date.parse also takes free text
 * ("version 2" → 2001-02-01). A date-time without a zone is read as UTC, not as the server's
 * local time, so the result does not depend on where n8n runs.
 */
export function parseIsoDate(value: string): number {
	const text = trimOws(value);
	if (!/^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$/i.test(text)) return Number.NaN;
	const zoned = /[T ]\d{2}:\d{2}/.test(text) && !/(?:Z|[+-]\d{2}(?::?\d{2})?)$/i.test(text) ? `${text}Z` : text;
	return Date.parse(zoned.replace(' ', 'T'));
}

/**
 * Checks `timestampSec` against now, in BOTH directions (a far-future timestamp is as suspect as
 * an old one: it would stay "fresh" for a replay). A tolerance of 0 or less disables the check;
 * callers decide that explicitly rather than through a falsy default.
 */
export function assertFreshTimestamp(timestampSec: number, toleranceSec: number, clock: Clock): void {
	if (!(toleranceSec > 0)) return;
	const nowSec = Math.floor(clock() / 1000);
	if (timestampSec < nowSec - toleranceSec) {
		throw new DeliveryError('stale_timestamp', `The timestamp is older than ${toleranceSec} s`);
	}
	if (timestampSec > nowSec + toleranceSec) {
		throw new DeliveryError('future_timestamp', `The timestamp is more than ${toleranceSec} s in the future`);
	}
}
