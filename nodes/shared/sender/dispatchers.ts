/**
 * Pooled keep-alive dispatchers, one per distinct network setting, and proxy selection.
 *
 * Proxies: like n8n's own HTTP layer (undici's EnvHttpProxyAgent) we honour HTTP_PROXY,
 * HTTPS_PROXY and NO_PROXY (lower-case variants first), read at call time. We pick the proxy
 * ourselves (same rules as EnvHttpProxyAgent) instead of handing the decision to it, because
 * the SSRF guard must sit on the DIRECT connection only: the proxy itself is configured by
 * the operator and may well live on a private address.
 */
import type { Dispatcher } from 'undici';
import { Agent, ProxyAgent } from 'undici';
import { buildGuardedConnector, type LookupLike } from './guard';

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

export interface ProxyEnv {
	httpProxy?: string;
	httpsProxy?: string;
	noProxy?: string;
}

export function proxyEnvFromProcess(env: NodeJS.ProcessEnv = process.env): ProxyEnv {
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
}

const MAX_CACHED = 16;
const cache = new Map<string, Dispatcher>();
const lookupIds = new WeakMap<object, number>();
let nextLookupId = 1;

function cacheKey(s: DispatcherSettings): string {
	let lookupId = 0;
	if (s.lookup) {
		lookupId = lookupIds.get(s.lookup) ?? 0;
		if (!lookupId) {
			lookupId = nextLookupId++;
			lookupIds.set(s.lookup, lookupId);
		}
	}
	return JSON.stringify([s.connectTimeoutMs, s.blockPrivateAddresses, lookupId, s.proxy]);
}

function create(s: DispatcherSettings): Dispatcher {
	if (s.proxy) {
		return new ProxyAgent({
			uri: s.proxy,
			proxyTls: { timeout: s.connectTimeoutMs },
			requestTls: { timeout: s.connectTimeoutMs },
		});
	}
	// Spelled out because Send Webhook's Concurrency (up to 100) must be reachable on one origin:
	// no per-origin connection cap (undici's default), so that many requests really are in
	// flight at once, each on its own socket; no pipelining, so a POST never waits behind another
	// on a shared socket; keep-alive, so the next item reuses an idle socket instead of a new
	// connection (4 s idle is under Node's and most servers' 5 s, so we close first).
	return new Agent({
		connect: buildGuardedConnector(s),
		connections: null,
		pipelining: 1,
		keepAliveTimeout: 4_000,
		keepAliveMaxTimeout: 60_000,
	});
}

/** A shared dispatcher for these settings (small LRU; evicted ones are closed gracefully). */
export function getDispatcher(s: DispatcherSettings): Dispatcher {
	const key = cacheKey(s);
	let d = cache.get(key);
	if (d) {
		cache.delete(key);
		cache.set(key, d);
		return d;
	}
	d = create(s);
	cache.set(key, d);
	while (cache.size > MAX_CACHED) {
		const [oldKey, old] = cache.entries().next().value as [string, Dispatcher];
		cache.delete(oldKey);
		old.close().catch(() => undefined);
	}
	return d;
}

/** Close every pooled connection (tests, shutdown). */
export async function closeSenderDispatchers(): Promise<void> {
	const all = [...cache.values()];
	cache.clear();
	await Promise.all(all.map((d) => d.destroy().catch(() => undefined)));
}
