import type { HeaderBag } from './encoding';
import { DeliveryError } from './errors';
import { ipMatchesAny, parseAllowList } from './net';

/** One HTTP delivery as received: the exact body bytes, never re-serialised JSON. */
export interface Delivery {
	body: Buffer;
	headers: HeaderBag;
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

export type OutputItem = Record<string, unknown> & { meta: ItemMeta };

export interface ReceiveResult {
	items: OutputItem[];
	/** Valid events that a node filter removed: acknowledged without an execution. */
	ignored: number;
}

/** Options every trigger shares (the node's "Options" collection). */
export interface CommonOptions {
	allowedIps?: string;
	includeHeaders?: boolean;
}

/** Headers that may carry secrets are never copied into items. */
const ALWAYS_REDACTED = ['authorization', 'cookie', 'proxy-authorization', 'token', 'x-api-key', 'webhook-signature'];

export function copyHeaders(headers: HeaderBag, sensitive: string[] = []): Record<string, string> {
	const hidden = new Set([...ALWAYS_REDACTED, ...sensitive.map((name) => name.toLowerCase())]);
	const copy: Record<string, string> = {};
	for (const [name, value] of Object.entries(headers)) {
		if (value === undefined) continue;
		const key = name.toLowerCase();
		copy[key] = hidden.has(key) || /signature|secret|password/.test(key) ? '[redacted]' : Array.isArray(value) ? value.join(', ') : value;
	}
	return copy;
}

/** Rejects a delivery from outside the allow-list (403). An empty list allows every address. */
export function assertAllowedIp(delivery: Delivery, allowedIps: string | undefined): void {
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

/** True when `value` passes a multi-select filter; an empty selection lets everything through. */
export function passesFilter(selected: readonly string[] | undefined, value: string): boolean {
	return !selected || selected.length === 0 || selected.includes(value);
}
