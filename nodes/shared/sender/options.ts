import type { lookup as dnsLookup } from 'node:dns';
import type { LookupFunction } from 'node:net';

import type { AllowedDomains } from './allowedDomains';

export interface PreparedRequest {
	headers: Record<string, string>;
	body: Buffer;
}

export interface DeliveryRequest {
	url: string;
	method: 'POST' | 'PUT' | 'PATCH';
	/** Stable across attempts (the caller generates it) so the receiver can deduplicate. */
	deliveryId: string;
	/**
	 * Called before every attempt (1-based), so a signer can put a fresh timestamp in each
	 * attempt while the delivery id stays the same.
	 */
	prepare(attempt: number): PreparedRequest;
}

/**
 * The instance's egress policy, as n8n 2.x hands it to nodes with their own HTTP client
 * (`this.helpers.getSecureEgressFilter()`, n8n-workflow's NodeEgressFilter). Structural, so the
 * sender stays free of n8n imports and runs where n8n has none (1.x: the option is absent).
 */
export interface EgressFilter {
	/** Pre-flight check of a target; resolves names, judges IP literals without DNS. */
	validateUrl(url: string | URL): Promise<{ ok: true } | { ok: false; error: Error }>;
	/** A dns.lookup drop-in that refuses addresses the policy blocks (used at connect time). */
	createSecureLookup(): LookupFunction;
}

export interface SenderOptions {
	connectTimeoutMs: number;
	headersTimeoutMs: number;
	/** Deadline for one whole attempt: connect, headers and body. */
	totalTimeoutMs: number;
	/** Total number of attempts, including the first one. */
	attempts: number;
	backoffBaseMs: number;
	backoffCapMs: number;
	maxRetryAfterMs: number;
	blockPrivateAddresses: boolean;
	maxResponseBytes: number;
	/** Lower-case response header names to return. */
	responseHeaders?: string[];
	/** Cancels in-flight requests and stops retrying (n8n's execution cancel). */
	signal?: AbortSignal;
	/** Random source in [0, 1) for the backoff jitter; injectable for tests. */
	random?: () => number;
	/** DNS lookup used for hostnames; injectable for SSRF tests. Replaced by the egress filter's when one applies. */
	lookup?: typeof dnsLookup;
	/**
	 * Hosts the credential's secret may be sent to (null or absent: any). Checked before every
	 * attempt, before any DNS lookup or connection.
	 */
	allowedDomains?: AllowedDomains | null;
	/** n8n's instance egress policy, applied in addition to blockPrivateAddresses. */
	egressFilter?: EgressFilter;
}

/**
 * Why a send failed (DeliveryOutcome.error.code). Not the receive side's DeliveryErrorCode
 * (nodes/shared/errors.ts), which says why a trigger refused an incoming delivery.
 */
export type SendFailureCode =
	| 'timeout'
	| 'network'
	| 'blocked_address'
	| 'http_status'
	| 'redirect'
	| 'gone'
	| 'aborted'
	| 'invalid_url'
	| 'domain_not_allowed'
	| 'egress_blocked';

export interface AttemptLogEntry {
	attempt: number;
	status?: number;
	error?: string;
	/** How long the sender waited (backoff or Retry-After) before making this attempt. */
	waitedMs?: number;
}

export interface DeliveryOutcome {
	ok: boolean;
	/** Status of the last response received, null when none was. */
	status: number | null;
	/** Attempts made; 0 when the request was refused before any connection. */
	attempts: number;
	durationMs: number;
	deliveryId: string;
	headers: Record<string, string>;
	/** Parsed JSON when the response is JSON (and complete), else UTF-8 text. */
	body: unknown;
	bodyTruncated: boolean;
	error?: { code: SendFailureCode; message: string };
	attemptLog: AttemptLogEntry[];
}

const DEFAULT_RESPONSE_HEADERS: readonly string[] = Object.freeze([
	'content-type',
	'retry-after',
	'x-request-id',
	'location',
]);

const DEFAULT_SENDER_OPTIONS: Readonly<SenderOptions> = Object.freeze({
	connectTimeoutMs: 5_000,
	headersTimeoutMs: 10_000,
	totalTimeoutMs: 15_000,
	attempts: 3,
	backoffBaseMs: 500,
	backoffCapMs: 10_000,
	maxRetryAfterMs: 30_000,
	// Fail closed: calling internal addresses is an explicit opt-in.
	blockPrivateAddresses: true,
	maxResponseBytes: 1024 * 1024,
});

/**
 * Behave like SynthesisVR's own webhook sender, to test a receiver the way SynthesisVR will
 * call it: SynthesisVR waits at most 2 s for the answer and never retries. So one attempt, and
 * every timeout bounded by the same 2 s budget. (A receiver that passes with this preset
 * answers in time for the real vendor; more attempts would hide a slow receiver.)
 */
export const SYNTHESISVR_PRESET: Readonly<Partial<SenderOptions>> = Object.freeze({
	totalTimeoutMs: 2_000,
	connectTimeoutMs: 2_000,
	headersTimeoutMs: 2_000,
	attempts: 1,
});

export type ResolvedSenderOptions = SenderOptions & { responseHeaders: string[]; random: () => number };

function checkNumber(name: string, value: unknown, min: number, integer = false): void {
	if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
		throw new TypeError(`sender option ${name} must be a ${integer ? 'whole ' : ''}number >= ${min} (got ${String(value)})`);
	}
}

/** Defaults merged in, then validated: a bad option is a programmer error and throws. */
export function resolveSenderOptions(opts: Partial<SenderOptions> = {}): ResolvedSenderOptions {
	const o: SenderOptions = { ...DEFAULT_SENDER_OPTIONS };
	for (const [k, v] of Object.entries(opts)) {
		if (v !== undefined) (o as unknown as Record<string, unknown>)[k] = v;
	}
	checkNumber('connectTimeoutMs', o.connectTimeoutMs, 1);
	checkNumber('headersTimeoutMs', o.headersTimeoutMs, 1);
	checkNumber('totalTimeoutMs', o.totalTimeoutMs, 1);
	checkNumber('attempts', o.attempts, 1, true);
	checkNumber('backoffBaseMs', o.backoffBaseMs, 0);
	checkNumber('backoffCapMs', o.backoffCapMs, 0);
	checkNumber('maxRetryAfterMs', o.maxRetryAfterMs, 0);
	checkNumber('maxResponseBytes', o.maxResponseBytes, 0, true);
	if (typeof o.blockPrivateAddresses !== 'boolean') {
		throw new TypeError('sender option blockPrivateAddresses must be a boolean');
	}
	if (o.lookup !== undefined && typeof o.lookup !== 'function') throw new TypeError('sender option lookup must be a function');
	if (o.random !== undefined && typeof o.random !== 'function') throw new TypeError('sender option random must be a function');
	if (o.allowedDomains !== undefined && o.allowedDomains !== null && !Array.isArray(o.allowedDomains.rules)) {
		throw new TypeError('sender option allowedDomains must come from parseAllowedDomains()');
	}
	if (
		o.egressFilter !== undefined &&
		(typeof o.egressFilter?.validateUrl !== 'function' || typeof o.egressFilter?.createSecureLookup !== 'function')
	) {
		throw new TypeError('sender option egressFilter must have validateUrl() and createSecureLookup()');
	}
	return {
		...o,
		responseHeaders: (o.responseHeaders ?? DEFAULT_RESPONSE_HEADERS).map((h) => h.toLowerCase()),
		random: o.random ?? Math.random,
	};
}
