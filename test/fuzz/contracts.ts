/**
 * The contracts every property checks, written against behaviour that must hold whatever the
 * exact wording or codes become: what may be thrown, which statuses, what an accepted delivery
 * yields, and that no secret comes back.
 */
import type { Delivery, ReceiveResult } from '../../nodes/shared/delivery';
import { DeliveryError } from '../../nodes/shared/errors';
import { POLLUTION_MARKER } from './arbitraries';
import { note } from './run';

export class ContractViolation extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'ContractViolation';
	}
}

export function ensure(condition: unknown, message: string | (() => string)): asserts condition {
	if (!condition) throw new ContractViolation(typeof message === 'string' ? message : message());
}

function describeThrown(error: unknown): string {
	if (error instanceof Error) return `${error.name}: ${error.message}\n${error.stack?.split('\n').slice(1, 6).join('\n') ?? ''}`;
	return `a non-error value ${String(error)}`;
}

/** Strings shorter than this are not searched for (they could occur in any text by chance). */
const MIN_SECRET_LENGTH = 6;

/**
 * Configured values that are secrets for the leak checks: the generators put a `~` in every
 * secret and a `whsec_` before Standard Webhooks keys. Hostile configurations also use ordinary
 * words ("constructor") as secrets, which fixed messages may contain by chance.
 */
export function distinctive(values: ReadonlyArray<string>): string[] {
	return values.filter((value) => value.includes('~') || value.startsWith('whsec_'));
}

/** Fails when `text` contains any of `secrets` (strings, or Buffers as utf8, hex and base64). */
export function ensureNoSecret(text: string, secrets: ReadonlyArray<string | Buffer>, where: string): void {
	for (const secret of secrets) {
		const forms = typeof secret === 'string' ? [secret] : [secret.toString('utf8'), secret.toString('hex'), secret.toString('base64')];
		for (const form of forms) {
			if (form.length >= MIN_SECRET_LENGTH) ensure(!text.includes(form), () => `${where} contains a secret: ${JSON.stringify(text)}`);
		}
	}
}

/**
 * What a rejection must look like: a DeliveryError (nothing else may escape the receive path),
 * a 4xx status, a JSON answer `{error: code, message}` of strings, and no secret in the message
 * (the operator's log) or the answer (the caller's).
 */
export function ensureRejection(error: unknown, secrets: ReadonlyArray<string | Buffer> = []): DeliveryError {
	ensure(error instanceof DeliveryError, () => `only a DeliveryError may be thrown, got ${describeThrown(error)}`);
	ensure(Number.isInteger(error.status) && error.status >= 400 && error.status <= 499, () => `status ${error.status} (${error.code}) is not 4xx`);
	ensure(typeof error.code === 'string' && error.code.length > 0, 'a DeliveryError has a code');
	const answer = error.toResponse() as unknown as Record<string, unknown>;
	ensure(answer.error === error.code, () => `the answer names code ${String(answer.error)}, the error ${error.code}`);
	ensure(typeof answer.message === 'string', 'the answer has a string message');
	const json = JSON.stringify(answer);
	ensureNoSecret(json, secrets, `the answer to the caller (${error.code})`);
	ensureNoSecret(error.message, secrets, `the error message (${error.code})`);
	return error;
}

export type Outcome<T> = { accepted: true; value: T } | { accepted: false; error: DeliveryError };

/** Runs `fn`; a throw must satisfy {@link ensureRejection}. */
export function attempt<T>(fn: () => T, secrets: ReadonlyArray<string | Buffer> = []): Outcome<T> {
	let value: T;
	try {
		value = fn();
	} catch (error) {
		const rejection = ensureRejection(error, secrets);
		note(`${rejection.status} ${rejection.code}`);
		return { accepted: false, error: rejection };
	}
	note('accepted');
	return { accepted: true, value };
}

/** A refusal that must be an authentication failure (401), for tampered signed deliveries. */
export function ensureUnauthorized<T>(outcome: Outcome<T>, what: string): void {
	ensure(!outcome.accepted, () => `${what} was ACCEPTED`);
	ensure(outcome.error.status === 401, () => `${what} was refused with ${outcome.error.status} ${outcome.error.code}, expected 401`);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Whether `bytes` are well-formed UTF-8. */
export function isUtf8(bytes: Buffer): boolean {
	try {
		utf8.decode(bytes);
		return true;
	} catch {
		return false;
	}
}

/**
 * The first `__proto__` key, or `constructor` object holding a `prototype` key, anywhere in
 * `value` (iteratively, whatever the depth); undefined when there is none. Whether such bodies
 * are refused or the keys stripped, an item must not carry them: a later merge in the workflow
 * could change the prototype of every object.
 */
export function findPrototypeKey(value: unknown): string | undefined {
	const stack: Array<[unknown, string]> = [[value, '']];
	while (stack.length > 0) {
		const [current, path] = stack.pop()!;
		if (typeof current !== 'object' || current === null) continue;
		for (const key of Object.keys(current)) {
			const child = (current as Record<string, unknown>)[key];
			if (key === '__proto__') return `${path}.__proto__`;
			if (key === 'constructor' && typeof child === 'object' && child !== null && Object.prototype.hasOwnProperty.call(child, 'prototype')) {
				return `${path}.constructor.prototype`;
			}
			stack.push([child, `${path}.${key}`]);
		}
	}
	return undefined;
}

export interface MetaExpectation {
	vendor: string;
	/** Whether the node checked a secret (then every item must say verified: true). */
	verified: boolean;
	includeHeaders: boolean;
	/** Headers whose value must never be copied into meta.headers. */
	secretHeaders: string[];
	secrets: ReadonlyArray<string | Buffer>;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
	typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;

/**
 * What an accepted delivery yields: items with the documented `meta` (vendor, eventType,
 * dedupKey, receivedAt, verified, verification when verified, headers only when asked and with
 * secret-bearing ones redacted), items n8n can store and display (plain, JSON-serialisable),
 * and no prototype pollution.
 */
export function ensureAccepted(result: ReceiveResult, delivery: Delivery, expected: MetaExpectation): void {
	ensure(Array.isArray(result.items), 'items is an array');
	ensure(Number.isInteger(result.ignored) && result.ignored >= 0, () => `ignored is ${result.ignored}`);
	ensure(!Object.prototype.hasOwnProperty.call(Object.prototype, POLLUTION_MARKER), 'Object.prototype was polluted');
	for (const item of result.items) {
		ensure(isPlainObject(item), 'an item is a plain object');
		const prototypeKey = findPrototypeKey(item);
		ensure(prototypeKey === undefined, () => `an accepted item carries ${prototypeKey}`);
		const meta = item.meta as unknown;
		ensure(isPlainObject(meta), 'item.meta is a plain object');
		ensure(meta.vendor === expected.vendor, () => `meta.vendor is ${String(meta.vendor)}`);
		ensure(typeof meta.eventType === 'string' && meta.eventType.length > 0, 'meta.eventType is a non-empty string');
		ensure(typeof meta.dedupKey === 'string' && meta.dedupKey.length > 0, 'meta.dedupKey is a non-empty string');
		ensure(meta.receivedAt === delivery.receivedAt.toISOString(), () => `meta.receivedAt is ${String(meta.receivedAt)}`);
		ensure(meta.verified === expected.verified, () => `meta.verified is ${String(meta.verified)}, expected ${expected.verified}`);
		if (expected.verified) ensure(isPlainObject(meta.verification), 'a verified item says how (meta.verification)');
		else ensure(meta.verification === undefined, 'an unverified item has no meta.verification');
		if (expected.includeHeaders) {
			ensure(isPlainObject(meta.headers), 'meta.headers is there when asked for');
			const headers = meta.headers as Record<string, unknown>;
			for (const value of Object.values(headers)) ensure(typeof value === 'string', 'meta.headers values are strings');
			for (const name of expected.secretHeaders) {
				const copied = headers[name.toLowerCase()];
				ensure(copied === undefined || copied === '[redacted]', () => `header ${name} was copied into meta.headers`);
			}
		} else {
			ensure(meta.headers === undefined, 'meta.headers only when asked for');
		}
		let json: string;
		try {
			json = JSON.stringify(item);
		} catch (error) {
			throw new ContractViolation(`an accepted item cannot be serialised (n8n could not store or show it): ${describeThrown(error)}`);
		}
		ensureNoSecret(JSON.stringify(meta.verification ?? null), expected.secrets, 'meta.verification');
		ensure(typeof json === 'string', 'an item serialises to JSON');
	}
}
