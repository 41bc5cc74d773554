import { z } from 'zod';

import { parseIsoDate } from '../shared/timestamps';

/**
 * The generic admin-console envelope `{event_time, event_type, current_context, data}`. The
 * document lists all four keys for every delivery, so each must be present; `current_context`
 * and `data` are typed `any` there, so any JSON value (null too) is accepted.
 */
export const GenericEventSchema = z.looseObject({
	event_time: z.union([z.string().min(1), z.number()]),
	event_type: z.string().min(1),
	current_context: z.unknown(),
	data: z.unknown(),
});
export type GenericEvent = z.infer<typeof GenericEventSchema>;

/**
 * `event_time` is declared as a `Date`, which JSON carries as an ISO string, a unix time in
 * seconds or milliseconds, or a numeric string. Returns ISO-8601 UTC, or undefined.
 */
export function normaliseEventTime(value: string | number): string | undefined {
	let ms: number;
	const numeric = typeof value === 'number' ? value : /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : undefined;
	if (numeric !== undefined) ms = numeric < 1e11 ? numeric * 1000 : numeric;
	else ms = parseIsoDate(value as string);
	if (!Number.isFinite(ms)) return undefined;
	const date = new Date(ms);
	return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
