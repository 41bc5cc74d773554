/**
 * Network safety for outbound webhooks (SSRF): which URLs may be called, and a connector that
 * checks the address it actually connects to.
 *
 * Why at connect time: checking a hostname's DNS answer and then letting the HTTP client
 * resolve it again lets an attacker's DNS answer "public" to the check and "10.0.0.5" to the
 * connection (DNS rebinding). Our lookup wrapper sits inside the socket's own connect, so the
 * addresses judged are the addresses connected to.
 */
import * as dns from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import type { LookupFunction, Socket } from 'node:net';
import { buildConnector } from 'undici';
import { blockedAddressReason, parseIp } from '../net';

export type LookupLike = typeof dns.lookup;

const BLOCKED_ADDRESS_CODE = 'ERR_BLOCKED_ADDRESS';

class BlockedAddressError extends Error {
	readonly code = BLOCKED_ADDRESS_CODE;
	constructor(
		readonly host: string,
		readonly address: string,
		readonly reason: string,
	) {
		super(
			host === address
				? `destination ${address} is a ${reason} address; private and internal addresses are blocked`
				: `destination ${host} resolves to ${address}, a ${reason} address; private and internal addresses are blocked`,
		);
		this.name = 'BlockedAddressError';
	}
}

const EGRESS_BLOCKED_CODE = 'ERR_EGRESS_BLOCKED';

/**
 * The instance's egress policy (n8n's SSRF protection, N8N_SSRF_*) refused a destination. The
 * message names the host, the address when n8n gave one, and n8n's own reason.
 */
export class EgressBlockedError extends Error {
	readonly code = EGRESS_BLOCKED_CODE;
	constructor(
		/** For the message: a host name, or host:port. */
		readonly host: string,
		cause: unknown,
		/** The bare host name or address, to leave out an address that only repeats it. */
		hostname: string = host,
	) {
		const reason = cause instanceof Error && cause.message ? cause.message : 'refused';
		const ip = (cause as { ip?: unknown } | undefined)?.ip;
		const address = typeof ip === 'string' && ip !== hostname ? ` (${ip})` : '';
		super(`n8n's egress policy (N8N_SSRF_* settings) refuses ${host}${address}: ${reason}`);
		this.name = 'EgressBlockedError';
	}
}

/** Finds an EgressBlockedError however deep a client library wrapped it. */
export function findEgressBlockedError(err: unknown): EgressBlockedError | null {
	let e: unknown = err;
	for (let depth = 0; depth < 5 && e; depth++) {
		if (e instanceof EgressBlockedError) return e;
		if (typeof e === 'object' && (e as { code?: unknown }).code === EGRESS_BLOCKED_CODE) return e as EgressBlockedError;
		e = (e as { cause?: unknown }).cause;
	}
	return null;
}

/**
 * The egress filter's secure lookup, with its refusals turned into EgressBlockedError (so they
 * are reported as a policy refusal, not retried as a network error). n8n names its refusals
 * Ssrf*Error; anything else (ENOTFOUND, EAI_AGAIN) stays a DNS error.
 */
export function egressLookup(filter: { createSecureLookup(): LookupFunction }): LookupLike {
	const secure = filter.createSecureLookup();
	const wrapped = (hostname: string, options: LookupOptions, callback: (...args: unknown[]) => void) => {
		(secure as unknown as (h: string, o: LookupOptions, c: (...a: unknown[]) => void) => void)(
			hostname,
			options,
			(err: unknown, ...rest: unknown[]) => {
				if (err && /^Ssrf/.test(String((err as { name?: unknown }).name))) {
					return callback(new EgressBlockedError(hostname, err), ...rest);
				}
				callback(err, ...rest);
			},
		);
	};
	return wrapped as unknown as LookupLike;
}

/** The passthrough filter n8n 2.x returns when SSRF protection is off hands back dns.lookup itself. */
export function isPassthroughEgressFilter(filter: { createSecureLookup(): LookupFunction }): boolean {
	return filter.createSecureLookup() === (dns.lookup as unknown as LookupFunction);
}

class InvalidUrlError extends Error {
	readonly code = 'invalid_url';
	constructor(message: string) {
		super(message);
		this.name = 'InvalidUrlError';
	}
}

/** Finds a BlockedAddressError however deep a client library wrapped it. */
export function findBlockedAddressError(err: unknown): BlockedAddressError | null {
	let e: unknown = err;
	for (let depth = 0; depth < 5 && e; depth++) {
		if (e instanceof BlockedAddressError) return e;
		if (typeof e === 'object' && (e as { code?: unknown }).code === BLOCKED_ADDRESS_CODE) return e as BlockedAddressError;
		e = (e as { cause?: unknown }).cause;
	}
	return null;
}

/** URL for messages and logs: no credentials, no query string (tokens often live there). */
export function describeUrl(url: URL): string {
	return `${url.protocol}//${url.host}${url.pathname}`;
}

/** The host of a parsed URL without IPv6 brackets. */
export function urlHostname(url: URL): string {
	return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * Scheme and credential rules (always applied), plus the IP-literal check when private
 * destinations are blocked. Throws InvalidUrlError / BlockedAddressError; messages never echo
 * the query string or credentials.
 */
export function checkDestinationUrl(text: string, blockPrivateAddresses: boolean): URL {
	let url: URL;
	try {
		url = new URL(text);
	} catch {
		throw new InvalidUrlError('the webhook URL is not a valid absolute URL');
	}
	if (url.protocol !== 'http:' && url.protocol !== 'https:') {
		throw new InvalidUrlError(`only http and https URLs can be called (got "${url.protocol}")`);
	}
	if (url.username !== '' || url.password !== '') {
		throw new InvalidUrlError('the webhook URL must not contain credentials (user:password@); send them in a header instead');
	}
	if (blockPrivateAddresses) checkLiteralHost(urlHostname(url));
	return url;
}

/**
 * When the host is an IP literal (in any spelling a URL parser or inet_aton accepts), refuse a
 * blocked one. Hostnames are left to the connect-time lookup check.
 */
export function checkLiteralHost(hostname: string): void {
	const literal = parseIp(hostname, { legacyIpv4Forms: true });
	if (!literal) return;
	const reason = blockedAddressReason(literal);
	if (reason) throw new BlockedAddressError(hostname, hostname, reason);
}

type LookupAllCallback = (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void;

/** Resolve every address of `hostname` with `lookup` (always `all: true`). */
export function lookupAll(lookup: LookupLike, hostname: string, options: LookupOptions, cb: LookupAllCallback): void {
	(lookup as unknown as (h: string, o: LookupOptions, c: (...a: unknown[]) => void) => void)(
		hostname,
		{ ...options, all: true },
		(err: unknown, addresses: unknown, family: unknown) => {
			if (err) return cb(err as NodeJS.ErrnoException, []);
			// Tolerate a lookup that ignores `all` and answers a single address.
			const list: LookupAddress[] = Array.isArray(addresses)
				? (addresses as LookupAddress[])
				: [{ address: String(addresses), family: Number(family) || (String(addresses).includes(':') ? 6 : 4) }];
			cb(null, list);
		},
	);
}

/**
 * A `net.connect` lookup that refuses when ANY address the resolver returns is blocked (a
 * host answering both a public and a private address is treated as hostile).
 */
export function guardedLookup(base: LookupLike): LookupFunction {
	return (hostname, options, callback) => {
		lookupAll(base, hostname, options, (err, list) => {
			if (err) return callback(err, '', 0);
			if (list.length === 0) {
				const e: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
				e.code = 'ENOTFOUND';
				return callback(e, '', 0);
			}
			for (const a of list) {
				const reason = blockedAddressReason(a.address);
				if (reason) return callback(new BlockedAddressError(hostname, a.address, reason), '', 0);
			}
			if (options.all) return callback(null, list);
			callback(null, list[0].address, list[0].family);
		});
	};
}

export interface ConnectorSettings {
	connectTimeoutMs: number;
	blockPrivateAddresses: boolean;
	lookup?: LookupLike;
}

/**
 * An undici connector. With blocking on: IP-literal hosts are judged before any socket is
 * created, hostnames go through `guardedLookup` inside net.connect, and the socket's remote
 * address is checked once more after connecting (defence in depth; it should never trigger).
 */
export function buildGuardedConnector(settings: ConnectorSettings): buildConnector.connector {
	const { blockPrivateAddresses } = settings;
	const baseLookup = settings.lookup ?? dns.lookup;
	const lookup: LookupFunction | undefined = blockPrivateAddresses
		? guardedLookup(baseLookup)
		: settings.lookup
			? (settings.lookup as unknown as LookupFunction)
			: undefined;
	const base = withPreciseConnectTimeout(
		buildConnector({
			timeout: settings.connectTimeoutMs,
			...(lookup ? { lookup } : {}),
		} as buildConnector.BuildOptions),
		settings.connectTimeoutMs,
	);
	if (!blockPrivateAddresses) return base;

	return (options, callback) => {
		const host = options.hostname.startsWith('[') ? options.hostname.slice(1, -1) : options.hostname;
		try {
			checkLiteralHost(host);
		} catch (e) {
			callback(e as Error, null);
			return;
		}
		base(options, (err, socket) => {
			if (err || !socket) {
				callback(err ?? new Error('connection failed'), null);
				return;
			}
			const remote = socket.remoteAddress;
			const reason = remote ? blockedAddressReason(remote) : 'reserved';
			if (reason) {
				socket.destroy();
				callback(new BlockedAddressError(host, remote ?? 'unknown address', reason), null);
				return;
			}
			callback(null, socket);
		});
	};
}

/**
 * undici's own connect timeout runs on its coarse "fast timers" (a 300 ms setting fired after
 * ~950 ms in our tests). A native timer makes it fire at its setting; undici's stays as a backstop.
 * Relies on undici's connector returning the socket it creates (it does, though untyped).
 */
function withPreciseConnectTimeout(base: buildConnector.connector, timeoutMs: number): buildConnector.connector {
	return (options, callback) => {
		let done = false;
		// Assigned after the connector call but read inside its callback, so it cannot be const.
		// eslint-disable-next-line prefer-const
		let timer: NodeJS.Timeout | undefined;
		const socket = (base as unknown as (o: buildConnector.Options, cb: buildConnector.Callback) => Socket | undefined)(
			options,
			(...args: Parameters<buildConnector.Callback>) => {
				if (done) {
					args[1]?.destroy();
					return;
				}
				done = true;
				clearTimeout(timer);
				callback(...args);
			},
		);
		if (done) return;
		timer = setTimeout(() => {
			if (done) return;
			done = true;
			const err: NodeJS.ErrnoException = new Error(`connect timeout after ${timeoutMs} ms`);
			err.code = 'UND_ERR_CONNECT_TIMEOUT';
			socket?.destroy();
			callback(err, null);
		}, timeoutMs);
	};
}
