/**
 * Pooled keep-alive dispatchers, one per distinct network setting, and proxy selection.
 *
 * Proxies: like n8n's own HTTP layer (undici's EnvHttpProxyAgent) we honour HTTP_PROXY,
 * HTTPS_PROXY and NO_PROXY (lower-case variants first), read at call time. We pick the proxy
 * ourselves (same rules as EnvHttpProxyAgent) instead of handing the decision to it, because
 * the address checks must sit on the TARGET, never on the proxy: the proxy is configured by the
 * operator (n8n's own environment) and may well live on a private address. When addresses are
 * judged, a proxied request goes through a tunnel to the judged address (tunnel.ts).
 */
import * as dns from 'node:dns';
import type { Dispatcher } from 'undici';
import { Agent, ProxyAgent } from 'undici';
import { buildGuardedConnector, egressLookup, guardedLookup, type LookupLike } from './guard';
import type { EgressFilter } from './options';
import { buildPinnedTunnelConnector } from './tunnel';

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

export interface ProxyEnv {
	httpProxy?: string;
	httpsProxy?: string;
	noProxy?: string;
}

function proxyEnvFromProcess(env: NodeJS.ProcessEnv = process.env): ProxyEnv {
	return {
		httpProxy: env.http_proxy ?? env.HTTP_PROXY,
		httpsProxy: env.https_proxy ?? env.HTTPS_PROXY,
		noProxy: env.no_proxy ?? env.NO_PROXY,
	};
}

/** The proxy URL to use for `url`, or null for a direct connection (EnvHttpProxyAgent rules). */
export function proxyForUrl(url: URL, env: ProxyEnv = proxyEnvFromProcess()): string | null {
	const proxy = url.protocol === 'https:' ? env.httpsProxy || env.httpProxy : env.httpProxy;
	if (!proxy) return null;
	const noProxy = (env.noProxy ?? '').trim();
	if (noProxy === '*') return null;
	// Keep IPv6 brackets, as EnvHttpProxyAgent does, so NO_PROXY entries like [::1] match.
	const hostname = url.host.replace(/:\d*$/, '').toLowerCase();
	const port = Number.parseInt(url.port, 10) || DEFAULT_PORTS[url.protocol] || 0;
	for (const raw of noProxy.split(/[,\s]/)) {
		if (!raw) continue;
		const m = /^(.+):(\d+)$/.exec(raw);
		const entryHost = (m ? m[1] : raw).replace(/^\*?\./, '').toLowerCase();
		const entryPort = m ? Number.parseInt(m[2], 10) : 0;
		if (entryPort && entryPort !== port) continue;
		if (hostname === entryHost || hostname.endsWith(`.${entryHost}`)) return null;
	}
	return proxy;
}

export interface DispatcherSettings {
	connectTimeoutMs: number;
	blockPrivateAddresses: boolean;
	lookup?: LookupLike;
	proxy: string | null;
	/** n8n's egress policy, when one is in force (not n8n's passthrough filter). */
	egressFilter?: EgressFilter;
}

interface Entry {
	dispatcher: Dispatcher;
	/** Resources beside the dispatcher (the pinned tunnel's pool of proxy connections). */
	extra?: { close(): Promise<void>; destroy(): Promise<void> };
}

const MAX_CACHED = 16;
const cache = new Map<string, Entry>();
const objectIds = new WeakMap<object, number>();
let nextObjectId = 1;

function objectId(value: object | undefined): number {
	if (!value) return 0;
	let id = objectIds.get(value);
	if (!id) {
		id = nextObjectId++;
		objectIds.set(value, id);
	}
	return id;
}

function cacheKey(s: DispatcherSettings): string {
	return JSON.stringify([s.connectTimeoutMs, s.blockPrivateAddresses, objectId(s.lookup), s.proxy, objectId(s.egressFilter)]);
}

// Spelled out because Send Webhook's Concurrency (up to 100) must be reachable on one origin:
// no per-origin connection cap (undici's default), so that many requests really are in
// flight at once, each on its own socket; no pipelining, so a POST never waits behind another
// on a shared socket; keep-alive, so the next item reuses an idle socket instead of a new
// connection (4 s idle is under Node's and most servers' 5 s, so we close first).
const POOL_OPTIONS = { connections: null, pipelining: 1, keepAliveTimeout: 4_000, keepAliveMaxTimeout: 60_000 } as const;

function create(s: DispatcherSettings): Entry {
	// n8n's secure lookup replaces ours (and the test lookup): it resolves AND applies the policy.
	const targetLookup = s.egressFilter ? egressLookup(s.egressFilter) : s.lookup;
	if (s.proxy && (s.blockPrivateAddresses || s.egressFilter)) {
		const tunnel = buildPinnedTunnelConnector({
			proxy: s.proxy,
			connectTimeoutMs: s.connectTimeoutMs,
			lookup: s.blockPrivateAddresses
				? (guardedLookup(targetLookup ?? dns.lookup) as unknown as LookupLike)
				: (targetLookup as LookupLike),
			blockPrivateAddresses: s.blockPrivateAddresses,
		});
		return { dispatcher: new Agent({ connect: tunnel.connect, ...POOL_OPTIONS }), extra: tunnel };
	}
	if (s.proxy) {
		// Nothing is judged: the proxy gets the name, as n8n's own HTTP layer sends it.
		return {
			dispatcher: new ProxyAgent({
				uri: s.proxy,
				proxyTls: { timeout: s.connectTimeoutMs },
				requestTls: { timeout: s.connectTimeoutMs },
			}),
		};
	}
	return {
		dispatcher: new Agent({
			connect: buildGuardedConnector({ connectTimeoutMs: s.connectTimeoutMs, blockPrivateAddresses: s.blockPrivateAddresses, lookup: targetLookup }),
			...POOL_OPTIONS,
		}),
	};
}

/** A shared dispatcher for these settings (small LRU; evicted ones are closed gracefully). */
export function getDispatcher(s: DispatcherSettings): Dispatcher {
	const key = cacheKey(s);
	let entry = cache.get(key);
	if (entry) {
		cache.delete(key);
		cache.set(key, entry);
		return entry.dispatcher;
	}
	entry = create(s);
	cache.set(key, entry);
	while (cache.size > MAX_CACHED) {
		const [oldKey, old] = cache.entries().next().value as [string, Entry];
		cache.delete(oldKey);
		old.dispatcher.close().catch(() => undefined);
		old.extra?.close().catch(() => undefined);
	}
	return entry.dispatcher;
}

/** Close every pooled connection (tests, shutdown). */
export async function closeSenderDispatchers(): Promise<void> {
	const all = [...cache.values()];
	cache.clear();
	await Promise.all(
		all.flatMap((entry) => [entry.dispatcher.destroy().catch(() => undefined), entry.extra?.destroy().catch(() => undefined)]),
	);
}
