/**
 * Through a proxy, connect to the address we checked, not to a name the proxy resolves again.
 *
 * With an ordinary proxy request (`CONNECT hooks.example.com:443`) the proxy does its own DNS
 * lookup: a name that answered "public" to our check can answer "10.0.0.5" to the proxy (DNS
 * rebinding, or split-horizon DNS on the proxy's network). So when addresses are being judged
 * (Block Private Addresses, or n8n's egress policy), this connector resolves the name itself with
 * the judging lookup, and asks the proxy for a tunnel to that address (`CONNECT
 * 93.184.216.34:443`). The HTTP request inside the tunnel still says `Host: hooks.example.com`,
 * and TLS still sends that name (SNI) and verifies the certificate against it. The proxy sees an
 * IP address instead of a name: a proxy that only allows listed names must allow the address,
 * or the host goes in NO_PROXY.
 */
import { isIP, type Socket } from 'node:net';
import { buildConnector, Pool } from 'undici';

import { checkLiteralHost, lookupAll, type LookupLike } from './guard';

export const PROXY_REFUSED_CODE = 'ERR_PROXY_REFUSED';

/** The proxy answered something else than 200 to CONNECT, or could not be reached. */
export class ProxyTunnelError extends Error {
	readonly code = PROXY_REFUSED_CODE;
	constructor(
		message: string,
		/** A 5xx from the proxy or a connection problem may pass; a 4xx will not. */
		readonly retryable: boolean,
	) {
		super(message);
		this.name = 'ProxyTunnelError';
	}
}

export interface PinnedTunnelSettings {
	/** The proxy URL (may carry user:password, sent as Proxy-Authorization, never printed). */
	proxy: string;
	connectTimeoutMs: number;
	/** Resolves AND judges target names: guardedLookup and/or n8n's secure lookup. */
	lookup: LookupLike;
	/** Judge IP-literal targets too (names are judged by `lookup`). */
	blockPrivateAddresses: boolean;
}

export interface PinnedTunnel {
	connect: buildConnector.connector;
	close(): Promise<void>;
	destroy(): Promise<void>;
}

function resolveOne(lookup: LookupLike, host: string): Promise<string> {
	return new Promise((resolve, reject) => {
		lookupAll(lookup, host, {}, (err, list) => {
			if (err) return reject(err);
			if (list.length === 0) {
				const e: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${host}`);
				e.code = 'ENOTFOUND';
				return reject(e);
			}
			resolve(list[0].address);
		});
	});
}

/** The proxy as the connector talks to it: messages name it by host:port only, since its URL may carry a password. */
interface ProxyEndpoint {
	origin: string;
	name: string;
	/** Proxy-Authorization from the URL's user:password, if any. */
	headers: Record<string, string>;
}

function proxyEndpoint(proxy: string): ProxyEndpoint {
	const proxyUrl = new URL(proxy);
	const headers: Record<string, string> = {};
	if (proxyUrl.username || proxyUrl.password) {
		const user = decodeURIComponent(proxyUrl.username);
		const password = decodeURIComponent(proxyUrl.password);
		headers['proxy-authorization'] = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
	}
	return { origin: proxyUrl.origin, name: proxyUrl.host, headers };
}

/** What every connection of one connector shares. */
interface TunnelContext {
	settings: PinnedTunnelSettings;
	proxy: ProxyEndpoint;
	proxyPool: Pool;
	tlsOverTunnel: buildConnector.connector;
}

/** One call of the connector: one deadline for the lookup, the CONNECT and the TLS handshake, and a callback answered once. */
interface ConnectAttempt {
	signal: AbortSignal;
	isDone(): boolean;
	/** The tunnel socket, destroyed if the deadline passes before it is handed over. */
	holdTunnel(socket: Socket): void;
	/** Answers the callback; a socket that arrives after the answer is destroyed. */
	finish(err: Error | null, socket: Socket | null): void;
}

function startConnectAttempt(timeoutMs: number, callback: buildConnector.Callback): ConnectAttempt {
	let done = false;
	let tunnel: Socket | undefined;
	const abort = new AbortController();
	const finish = (err: Error | null, socket: Socket | null) => {
		if (done) {
			socket?.destroy();
			return;
		}
		done = true;
		clearTimeout(timer);
		if (err) callback(err, null);
		else callback(null, socket as Socket);
	};
	const timer = setTimeout(() => {
		const err: NodeJS.ErrnoException = new Error(`connect timeout after ${timeoutMs} ms`);
		err.code = 'UND_ERR_CONNECT_TIMEOUT';
		abort.abort(err);
		tunnel?.destroy();
		finish(err, null);
	}, timeoutMs);
	return {
		signal: abort.signal,
		isDone: () => done,
		holdTunnel: (socket) => {
			tunnel = socket;
		},
		finish,
	};
}

/** The address the tunnel goes to: an IP literal as it is (judged), a name resolved by the judging lookup. */
async function pinnedAddress(host: string, settings: PinnedTunnelSettings): Promise<string> {
	if (isIP(host)) {
		if (settings.blockPrivateAddresses) checkLiteralHost(host);
		return host;
	}
	return await resolveOne(settings.lookup, host);
}

/** CONNECT `target` through the proxy; undefined when the attempt ended meanwhile. */
async function openTunnel(context: TunnelContext, target: string, attempt: ConnectAttempt): Promise<Socket | undefined> {
	const { proxy } = context;
	let statusCode: number;
	let tunnel: Socket;
	try {
		const answer = await context.proxyPool.connect({
			path: target,
			headers: { ...proxy.headers, host: target },
			signal: attempt.signal,
		});
		statusCode = answer.statusCode;
		tunnel = answer.socket as Socket;
		attempt.holdTunnel(tunnel);
	} catch (error) {
		if (attempt.isDone()) return undefined;
		const code = (error as { code?: unknown }).code;
		throw new ProxyTunnelError(`could not open a tunnel through the proxy ${proxy.name}${typeof code === 'string' ? ` (${code})` : ''}`, true);
	}
	if (statusCode !== 200) {
		tunnel.destroy();
		const auth = statusCode === 407 ? ': proxy authentication required' : '';
		throw new ProxyTunnelError(
			`the proxy ${proxy.name} answered ${statusCode} to CONNECT ${target}${auth} (Send Webhook asks the proxy for the address it checked, not the name: allow that address on the proxy, or put the host in NO_PROXY)`,
			statusCode >= 500,
		);
	}
	return tunnel;
}

async function connectThroughTunnel(context: TunnelContext, options: buildConnector.Options, attempt: ConnectAttempt): Promise<void> {
	const host = options.hostname.startsWith('[') ? options.hostname.slice(1, -1) : options.hostname;
	const port = Number(options.port) || (options.protocol === 'https:' ? 443 : 80);
	const address = await pinnedAddress(host, context.settings);
	if (attempt.isDone()) return;
	const target = isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
	const tunnel = await openTunnel(context, target, attempt);
	if (!tunnel) return;
	if (attempt.isDone()) {
		tunnel.destroy();
		return;
	}
	if (options.protocol !== 'https:') {
		attempt.finish(null, tunnel);
		return;
	}
	// TLS inside the tunnel: SNI and certificate checks use the URL's host name (options.servername
	// or the name in options.host), not the address the tunnel goes to.
	context.tlsOverTunnel({ ...options, httpSocket: tunnel }, (err, socket) => attempt.finish(err, socket as Socket | null));
}

export function buildPinnedTunnelConnector(settings: PinnedTunnelSettings): PinnedTunnel {
	const proxy = proxyEndpoint(settings.proxy);
	const timeoutMs = settings.connectTimeoutMs;
	const proxyPool = new Pool(proxy.origin, { connect: buildConnector({ timeout: timeoutMs }) });
	const context: TunnelContext = { settings, proxy, proxyPool, tlsOverTunnel: buildConnector({ timeout: timeoutMs }) };
	const connect: buildConnector.connector = (options, callback) => {
		const attempt = startConnectAttempt(timeoutMs, callback);
		connectThroughTunnel(context, options, attempt).catch((error: Error) => attempt.finish(error, null));
	};
	return {
		connect,
		close: () => proxyPool.close(),
		destroy: () => proxyPool.destroy(),
	};
}
