import type { z } from 'zod';

import { DeliveryError } from './errors';

/** `[1].props.state` style path, as a user reads it in a JSON body. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
	return path
		.map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`))
		.join('');
}

function describeIssue(issue: z.core.$ZodIssue): string {
	switch (issue.code) {
		case 'invalid_value':
			return `expected ${issue.values.map((value) => JSON.stringify(value)).join(' | ')}`;
		case 'invalid_type':
			return issue.message.replace(/^Invalid input: /, '');
		case 'invalid_union':
			return 'does not match any accepted shape';
		default:
			return issue.message;
	}
}

/** Short, path-precise summary of a zod failure: `[1].action: expected "create" | "delete"`. */
export function formatIssues(issues: ReadonlyArray<z.core.$ZodIssue>, max = 3): string {
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

/**
 * Parses the raw body as JSON. We read the bytes ourselves because n8n only parses
 * `application/json` exactly (ApiRTC sends `application/JSON`), and so that the bytes that
 * were verified are the bytes that were parsed.
 */
export function parseJsonBody(body: Buffer): unknown {
	let text = body.toString('utf8');
	if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
	if (text.trim() === '') throw new DeliveryError('bad_payload', 'The body is empty; a JSON body was expected');
	try {
		return JSON.parse(text) as unknown;
	} catch {
		throw new DeliveryError('bad_payload', 'The body is not valid JSON');
	}
}
