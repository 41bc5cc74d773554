import secureJson from 'secure-json-parse';
import type { z } from 'zod';

import { DeliveryError } from './errors';

/** `[1].props.state` style path, as a user reads it in a JSON body. */
function formatPath(path: ReadonlyArray<PropertyKey>): string {
	return path
		.map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`))
		.join('');
}

/** zod reports a missing key as "received undefined" (JSON has no undefined value). */
const isMissing = (issue: z.core.$ZodIssue): boolean => issue.code === 'invalid_type' && /received undefined$/.test(issue.message);

function describeIssue(issue: z.core.$ZodIssue): string {
	switch (issue.code) {
		case 'invalid_value':
			return `expected ${issue.values.map((value) => JSON.stringify(value)).join(' | ')}`;
		case 'invalid_type':
			return isMissing(issue) ? 'required' : issue.message.replace(/^Invalid input: /, '');
		case 'invalid_union':
			return issue.errors.every((options) => options.some(isMissing)) ? 'required' : 'does not match any accepted shape';
		default:
			return issue.message;
	}
}

/** Short, path-precise summary of a zod failure: `[1].action: expected "create" | "delete"`. */
function formatIssues(issues: ReadonlyArray<z.core.$ZodIssue>, max = 3): string {
	const lines = issues.slice(0, max).map((issue) => {
		const path = formatPath(issue.path);
		return `${path === '' ? 'body' : path}: ${describeIssue(issue)}`;
	});
	if (issues.length > max) lines.push(`(+${issues.length - max} more)`);
	return lines.join('; ');
}

/** Parses with a schema, or throws a 400 `bad_payload` naming the first problems. */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown, prefix: ReadonlyArray<PropertyKey> = []): T {
	const result = schema.safeParse(value);
	if (result.success) return result.data;
	const issues = result.error.issues.map((issue) => ({ ...issue, path: [...prefix, ...issue.path] }));
	throw new DeliveryError('bad_payload', formatIssues(issues as z.core.$ZodIssue[]));
}

/** Deepest nesting of arrays and objects a body may have; vendors send 3 or 4 levels. */
const MAX_JSON_DEPTH = 32;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses the raw body as JSON. We read the bytes ourselves because n8n only parses
 * `application/json` exactly (ApiRTC sends `application/JSON`), and so that the bytes that
 * were verified are the bytes that were parsed. Refused with 400 `bad_payload`, before anything
 * is built from them:
 * - bytes that are not UTF-8 (decoding lossily would turn them into U+FFFD and hide it);
 * - nesting deeper than {@link MAX_JSON_DEPTH} (n8n stores such a body, then cannot read it back);
 * - `__proto__` keys and `constructor.prototype` (secure-json-parse's default): a later merge in
 *   the workflow could otherwise change the prototype of every object.
 */
export function parseJsonBody(body: Buffer): unknown {
	return parseJsonText(decodeUtf8Body(body));
}

/** The body as text; bytes that are not UTF-8 are refused (a lossy decode would hide them as U+FFFD). */
export function decodeUtf8Body(body: Buffer): string {
	try {
		return utf8.decode(body); // also drops a leading byte order mark
	} catch {
		throw new DeliveryError('bad_payload', 'The body is not valid UTF-8');
	}
}

/** JSON text parsed with {@link parseJsonBody}'s checks (empty, depth, prototype keys). */
export function parseJsonText(text: string): unknown {
	if (text.trim() === '') throw new DeliveryError('bad_payload', 'The body is empty; a JSON body was expected');
	if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
		throw new DeliveryError('bad_payload', `The JSON body nests more than ${MAX_JSON_DEPTH} levels deep`, 'The JSON body is nested too deeply');
	}
	try {
		return secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }) as unknown;
	} catch (error) {
		if (/forbidden prototype/.test((error as Error).message)) {
			throw new DeliveryError('bad_payload', 'The body has a __proto__ or constructor.prototype key');
		}
		throw new DeliveryError('bad_payload', 'The body is not valid JSON');
	}
}

/**
 * Whether arrays/objects in JSON text nest deeper than `limit`: one pass, no recursion, brackets
 * inside strings do not count. Malformed text is JSON.parse's to refuse.
 */
function nestsDeeperThan(text: string, limit: number): boolean {
	let depth = 0;
	let inString = false;
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		if (inString) {
			if (c === 0x5c /* \ */) i++;
			else if (c === 0x22 /* " */) inString = false;
		} else if (c === 0x22) inString = true;
		else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
			if (++depth > limit) return true;
		} else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
	}
	return false;
}
