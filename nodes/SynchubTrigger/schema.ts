import { z } from 'zod';

/**
 * SYNCHUB has not published its payload field names, so every field is kept and the event kind
 * and outcome are read from the usual places (see `classifySynchubEvent`).
 */
export const SynchubPayloadSchema = z.record(z.string(), z.unknown());
export type SynchubPayload = z.infer<typeof SynchubPayloadSchema>;

export type SynchubEventKind = 'syncRunCompleted' | 'insightPopulationCompleted' | 'other';
export type SynchubOutcome = 'success' | 'failure' | 'unknown';

const TYPE_FIELDS = ['event', 'eventType', 'event_type', 'type', 'webhookType', 'webhook_type', 'name'];
const STATUS_FIELDS = ['status', 'state', 'result', 'outcome', 'runStatus', 'run_status'];
const SUCCESS_WORDS = /^(success|succeeded|successful|completed|complete|ok|passed|done)$/i;
const FAILURE_WORDS = /^(fail|failed|failure|error|errored|aborted|cancelled|canceled)$/i;

function firstString(payload: Record<string, unknown>, fields: string[]): string | undefined {
	for (const field of fields) {
		const value = payload[field];
		if (typeof value === 'string' && value.trim() !== '') return value.trim();
	}
	return undefined;
}

export function classifySynchubEvent(payload: SynchubPayload): {
	eventType: string;
	kind: SynchubEventKind;
	outcome: SynchubOutcome;
	isTest: boolean;
} {
	const nested = typeof payload.data === 'object' && payload.data !== null ? (payload.data as Record<string, unknown>) : {};
	const eventType = firstString(payload, TYPE_FIELDS) ?? 'unknown';
	const words = eventType.toLowerCase().replace(/[^a-z]/g, '');
	const kind: SynchubEventKind = words.includes('insight')
		? 'insightPopulationCompleted'
		: words.includes('sync') || 'endpoint' in payload || 'syncRun' in payload
			? 'syncRunCompleted'
			: 'other';

	let outcome: SynchubOutcome = 'unknown';
	const success = payload.success ?? nested.success;
	if (typeof success === 'boolean') outcome = success ? 'success' : 'failure';
	else {
		const status = firstString(payload, STATUS_FIELDS) ?? firstString(nested, STATUS_FIELDS);
		if (status && SUCCESS_WORDS.test(status)) outcome = 'success';
		else if (status && FAILURE_WORDS.test(status)) outcome = 'failure';
	}
	const isTest = [payload.test, payload.isTest, payload.is_test, payload.testPayload].some((flag) => flag === true);
	return { eventType, kind, outcome, isTest };
}
