import { type HeaderBag, normalizeHeaders, type RequestHeaders } from './encoding';
import { DeliveryError } from './errors';
import { ipMatchesAny, parseAllowList } from './net';
import type { ReplayIdentity } from './replay';

/** One HTTP delivery as received: the exact body bytes, never re-serialised JSON. */
export interface Delivery {
	body: Buffer;
	headers: RequestHeaders;
	query: Record<string, unknown>;
	ip?: string;
	receivedAt: Date;
}

export interface ItemMeta {
	vendor: string;
	eventType: string;
	/** Stable across re-deliveries of the same event, for a downstream dedup step. */
	dedupKey: string;
	receivedAt: string;
	/** True only when a signature, token or key was checked and matched. */
	verified: boolean;
	/** How the delivery was verified (which header, secret, IV ...), never the secret itself. */
	verification?: Record<string, unknown>;
	headers?: Record<string, string>;
	[extra: string]: unknown;
}

/** What a delivery is built from; headers are normalised here, once, for every later check. */
export interface RawDelivery {
	body: Buffer;
	headers: HeaderBag;
	query?: Record<string, unknown>;
	ip?: string;
	receivedAt?: Date;
}

export function newDelivery(raw: RawDelivery): Delivery {
	return {
		body: raw.body,
		headers: normalizeHeaders(raw.headers),
		query: raw.query ?? {},
		ip: raw.ip,
		receivedAt: raw.receivedAt ?? new Date(),
	};
}

export type OutputItem = Record<string, unknown> & { meta: ItemMeta };

export interface ReceiveResult {
	items: OutputItem[];
	/** Valid events that a node filter removed: acknowledged without an execution. */
	ignored: number;
	/** Set when the delivery was verified within a time window, so a copy can be recognised. */
	replay?: ReplayIdentity;
	/**
	 * A verified handshake the sender expects answered instead of an execution (Slack's
	 * url_verification): this JSON is sent back with 200, and `items` is empty.
	 */
	handshakeAnswer?: Record<string, unknown>;
}

/** Options every trigger shares (the node's "Options" collection). */
export interface CommonOptions {
	allowedIps?: string;
	includeHeaders?: boolean;
	/** Larger bodies are refused with 413 before anything else is done with them. */
	maxBodyBytes?: number;
}

export const DEFAULT_MAX_BODY_KIB = 1024;
/** n8n's own default ceiling (N8N_PAYLOAD_SIZE_MAX, 16 MiB): the highest *Max Body Size* a node accepts. */
export const MAX_BODY_KIB = 16 * 1024;

/** Refuses a body over the node's limit (413). Checked before the signature: it bounds the hashing. */
function assertBodyWithinLimit(delivery: Delivery, maxBodyBytes = DEFAULT_MAX_BODY_KIB * 1024): void {
	if (delivery.body.length > maxBodyBytes) {
		throw new DeliveryError('payload_too_large', `The body has ${delivery.body.length} bytes, more than the ${maxBodyBytes} this node accepts`);
	}
}

/** Headers that may carry secrets are never copied into items. */
const ALWAYS_REDACTED = ['authorization', 'cookie', 'proxy-authorization', 'token', 'x-api-key', 'webhook-signature'];

function copyHeaders(headers: RequestHeaders, sensitive: string[] = []): Record<string, string> {
	const hidden = new Set([...ALWAYS_REDACTED, ...sensitive.map((name) => name.toLowerCase())]);
	const copy: Record<string, string> = {};
	for (const [name, value] of Object.entries(headers)) {
		copy[name] = hidden.has(name) || /signature|secret|password/.test(name) ? '[redacted]' : value;
	}
	return copy;
}

/** Rejects a delivery from outside the allow-list (403). An empty list allows every address. */
function assertAllowedIp(delivery: Delivery, allowedIps: string | undefined): void {
	if (!allowedIps || allowedIps.trim() === '') return;
	let list;
	try {
		list = parseAllowList(allowedIps);
	} catch {
		// The caller is not the operator: say that the list is broken, not what is in it.
		throw new DeliveryError('not_configured', 'The IP allow-list of this node is invalid');
	}
	if (!delivery.ip || !ipMatchesAny(delivery.ip, list)) {
		throw new DeliveryError('forbidden_ip', 'This address is not allowed to send to this webhook');
	}
}

/** The checks every trigger makes before looking at a delivery: the sender's address, then the body size. */
export function admitDelivery(delivery: Delivery, options: CommonOptions): void {
	assertAllowedIp(delivery, options.allowedIps);
	assertBodyWithinLimit(delivery, options.maxBodyBytes);
}

/** Builds the `meta` object every item carries. */
export function buildMeta(
	delivery: Delivery,
	options: CommonOptions,
	fields: { vendor: string; eventType: string; dedupKey: string; verified: boolean; verification?: Record<string, unknown> },
	sensitiveHeaders: string[] = [],
	extra: Record<string, unknown> = {},
): ItemMeta {
	return {
		vendor: fields.vendor,
		eventType: fields.eventType,
		dedupKey: fields.dedupKey,
		receivedAt: delivery.receivedAt.toISOString(),
		verified: fields.verified,
		...(fields.verification ? { verification: fields.verification } : {}),
		...extra,
		...(options.includeHeaders ? { headers: copyHeaders(delivery.headers, sensitiveHeaders) } : {}),
	};
}

/**
 * True when `type` passes a typed-in event filter: each pattern is an exact type, or a prefix
 * ending in `*` (`customer.*`); compared case-sensitively; no pattern lets everything through.
 */
export function matchesEventType(patterns: readonly string[] | undefined, type: string): boolean {
	if (!patterns || patterns.length === 0) return true;
	return patterns.some((pattern) => (pattern.endsWith('*') ? type.startsWith(pattern.slice(0, -1)) : pattern === type));
}

/** True when `value` passes a multi-select filter; an empty selection lets everything through. */
export function passesFilter(selected: readonly string[] | undefined, value: string): boolean {
	return !selected || selected.length === 0 || selected.includes(value);
}
