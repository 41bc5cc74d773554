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

export function buildPinnedTunnelConnector(settings: PinnedTunnelSettings): PinnedTunnel {
	const proxyUrl = new URL(settings.proxy);
	// Messages name the proxy by host:port only: its URL may carry a password.
	const proxyName = proxyUrl.host;
	const proxyHeaders: Record<string, string> = {};
	if (proxyUrl.username || proxyUrl.password) {
		const user = decodeURIComponent(proxyUrl.username);
		const password = decodeURIComponent(proxyUrl.password);
		proxyHeaders['proxy-authorization'] = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
	}
	const timeoutMs = settings.connectTimeoutMs;
	const proxyPool = new Pool(proxyUrl.origin, { connect: buildConnector({ timeout: timeoutMs }) });
	const tlsOverTunnel = buildConnector({ timeout: timeoutMs });

	const connect: buildConnector.connector = (options, callback) => {
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
		// One deadline for the lookup, the CONNECT and the TLS handshake.
		const timer = setTimeout(() => {
			const err: NodeJS.ErrnoException = new Error(`connect timeout after ${timeoutMs} ms`);
			err.code = 'UND_ERR_CONNECT_TIMEOUT';
			abort.abort(err);
			tunnel?.destroy();
			finish(err, null);
		}, timeoutMs);

		const host = options.hostname.startsWith('[') ? options.hostname.slice(1, -1) : options.hostname;
		const port = Number(options.port) || (options.protocol === 'https:' ? 443 : 80);

		const open = async (): Promise<void> => {
			let address: string;
			if (isIP(host)) {
				if (settings.blockPrivateAddresses) checkLiteralHost(host);
				address = host;
			} else {
				address = await resolveOne(settings.lookup, host);
			}
			if (done) return;
			const target = isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
			let statusCode: number;
			try {
				const answer = await proxyPool.connect({
					path: target,
					headers: { ...proxyHeaders, host: target },
					signal: abort.signal,
				});
				statusCode = answer.statusCode;
				tunnel = answer.socket as Socket;
			} catch (error) {
				if (done) return;
				const code = (error as { code?: unknown }).code;
				throw new ProxyTunnelError(`could not open a tunnel through the proxy ${proxyName}${typeof code === 'string' ? ` (${code})` : ''}`, true);
			}
			if (statusCode !== 200) {
				tunnel.destroy();
				const auth = statusCode === 407 ? ': proxy authentication required' : '';
				throw new ProxyTunnelError(
					`the proxy ${proxyName} answered ${statusCode} to CONNECT ${target}${auth} (Send Webhook asks the proxy for the address it checked, not the name: allow that address on the proxy, or put the host in NO_PROXY)`,
					statusCode >= 500,
				);
			}
			if (done) {
				tunnel.destroy();
				return;
			}
			if (options.protocol !== 'https:') {
				finish(null, tunnel);
				return;
			}
			// TLS inside the tunnel: SNI and certificate checks use the URL's host name (options.servername
			// or the name in options.host), not the address the tunnel goes to.
			tlsOverTunnel({ ...options, httpSocket: tunnel }, (err, socket) => finish(err, socket as Socket | null));
		};
		open().catch((error: Error) => finish(error, null));
	};

	return {
		connect,
		close: () => proxyPool.close(),
		destroy: () => proxyPool.destroy(),
	};
}
