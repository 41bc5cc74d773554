/**
 * SSRF protection of the sender. Every refusal here must happen BEFORE a connection: the
 * loopback guard records every socket connect and refuses (without a packet) anything that is
 * not loopback, so a regression shows up as a recorded violation, never as real traffic.
 */
import { closeSenderDispatchers, deliver, type DeliveryRequest, type SenderOptions } from '../../nodes/shared/sender';
import { proxyForUrl } from '../../nodes/shared/sender/dispatchers';
import { buildGuardedConnector } from '../../nodes/shared/sender/guard';
import { fakeLookup, withTunnelProxy } from '../helpers/httpServers';
import { useFileServer, useLoopbackGuard, useNoProxyEnvironment } from '../helpers/loopbackSuite';

function req(url: string): DeliveryRequest {
	return {
		url,
		method: 'POST',
		deliveryId: 'msg_ssrf',
		prepare: () => ({ headers: { 'content-type': 'application/json' }, body: Buffer.from('{}') }),
	};
}

const opts = (o: Partial<SenderOptions> = {}): Partial<SenderOptions> => ({
	blockPrivateAddresses: true,
	attempts: 3,
	backoffBaseMs: 1,
	backoffCapMs: 1,
	random: () => 0,
	totalTimeoutMs: 3000,
	...o,
});

useNoProxyEnvironment();
const guard = useLoopbackGuard();
const local = useFileServer((_req, res) => res.end('reached'));

describe('IP-literal URLs are refused before any socket exists', () => {
	const literalUrls = [
		['http://10.0.0.1/', 'private'],
		['https://10.0.0.1/', 'private'],
		['http://172.16.0.1/', 'private'],
		['http://192.168.1.1:8080/admin', 'private'],
		['http://[fd00::1]/', 'unique-local'],
		['http://169.254.169.254/latest/meta-data/', 'link-local'],
		['http://[fe80::1]/', 'link-local'],
		['http://100.64.0.1/', 'cgnat'],
		['http://127.0.0.1/', 'loopback'],
		['http://[::1]/', 'loopback'],
		['http://0x7f000001/', 'loopback'],
		['http://2130706433/', 'loopback'],
		['http://0177.0.0.1/', 'loopback'],
		['http://127.1/', 'loopback'],
		['http://0x7f.0.0.1/', 'loopback'],
		['http://0xa9fea9fe/', 'link-local'],
		['http://[::ffff:127.0.0.1]/', 'loopback'],
		['http://[::ffff:169.254.169.254]/', 'link-local'],
		['http://[64:ff9b::10.0.0.1]/', 'private'],
		['http://[2002:a00:1::]/', 'private'],
		['http://0.0.0.0/', 'unspecified'],
		['http://[::]/', 'unspecified'],
		['http://224.0.0.1/', 'multicast'],
		['http://255.255.255.255/', 'reserved'],
	];

	it.each(literalUrls)('%s → blocked (%s)', async (url, reason) => {
		const lookup = fakeLookup(['93.184.216.34']);
		const before = guard.connects.length;
		const out = await deliver(req(url), opts({ lookup }));
		expect(out).toMatchObject({ ok: false, status: null, attempts: 0, error: { code: 'blocked_address' } });
		expect(out.error!.message).toContain(reason);
		expect(guard.connects.length).toBe(before);
		expect(lookup.calls).toEqual([]);
	});

	it('a real listening loopback server is never contacted when blocking is on', async () => {
		const out = await deliver(req(local.url), opts());
		expect(out.error?.code).toBe('blocked_address');
		expect(local.connections()).toBe(0);
	});

	it('the connector itself refuses literal hosts too (second layer, no socket)', async () => {
		const connect = buildGuardedConnector({ connectTimeoutMs: 1000, blockPrivateAddresses: true });
		const before = guard.connects.length;
		for (const hostname of ['10.0.0.1', '[fd00::1]', '169.254.169.254', '127.0.0.1', '[::ffff:7f00:1]']) {
			const err = await new Promise<Error | null>((resolve) =>
				connect({ hostname, host: hostname, protocol: 'http:', port: '80' }, (...args) => resolve(args[0])),
			);
			// The class is private to the guard: checked by name, code (what findBlockedAddressError also reads) and message.
			expect(err).toMatchObject({ name: 'BlockedAddressError', code: 'ERR_BLOCKED_ADDRESS' });
			expect(err?.message).toMatch(/^destination .+ address; private and internal addresses are blocked$/);
		}
		expect(guard.connects.length).toBe(before);
	});
});

describe('hostnames are judged by every address DNS returns, at connect time', () => {
	it('a name resolving to 10.0.0.5 is refused and not retried', async () => {
		const lookup = fakeLookup(['10.0.0.5']);
		const out = await deliver(req('http://hooks.example.test/x?k=secret'), opts({ lookup }));
		expect(out).toMatchObject({ ok: false, attempts: 1, error: { code: 'blocked_address' } });
		expect(out.error!.message).toBe(
			'destination hooks.example.test resolves to 10.0.0.5, a private address; private and internal addresses are blocked',
		);
		expect(lookup.calls).toEqual(['hooks.example.test']);
	});

	it.each([
		[['93.184.216.34', '10.0.0.5'], 'private'],
		[['2606:2800:220:1::1', 'fd00::5'], 'unique-local'],
		[['::1'], 'loopback'],
		[['169.254.169.254'], 'link-local'],
		[['::ffff:192.168.0.1'], 'private'],
	])('answers %p → refused (%s)', async (answers, reason) => {
		const out = await deliver(req('https://hooks.example.test/'), opts({ lookup: fakeLookup(answers) }));
		expect(out.error?.code).toBe('blocked_address');
		expect(out.error!.message).toContain(reason);
	});

	it('a name resolving to loopback never reaches the loopback server when blocking is on', async () => {
		const out = await deliver(req(`http://hooks.example.test:${local.port}/`), opts({ lookup: fakeLookup(['127.0.0.1']) }));
		expect(out.error?.code).toBe('blocked_address');
		expect(local.connections()).toBe(0);
	});

	it('"localhost" through the real resolver is refused', async () => {
		const out = await deliver(req(`http://localhost:${local.port}/`), opts());
		expect(out.error?.code).toBe('blocked_address');
		expect(local.connections()).toBe(0);
	});

	it('with blocking off, a name resolving to 127.0.0.1 is delivered', async () => {
		const lookup = fakeLookup(['127.0.0.1']);
		const before = local.requests.length;
		const out = await deliver(req(`http://hooks.example.test:${local.port}/in`), opts({ lookup, blockPrivateAddresses: false }));
		expect(out).toMatchObject({ ok: true, status: 200, body: 'reached' });
		expect(lookup.calls).toContain('hooks.example.test');
		expect(local.requests.length).toBe(before + 1);
		expect(local.requests[before].headers.host).toBe(`hooks.example.test:${local.port}`);
	});

	it('with blocking off, literal loopback is delivered but URL rules still apply', async () => {
		expect((await deliver(req(local.url), opts({ blockPrivateAddresses: false }))).ok).toBe(true);
		const creds = await deliver(req(`http://u:p@127.0.0.1:${local.port}/`), opts({ blockPrivateAddresses: false }));
		expect(creds.error?.code).toBe('invalid_url');
		const scheme = await deliver(req(`ftp://127.0.0.1:${local.port}/`), opts({ blockPrivateAddresses: false }));
		expect(scheme.error?.code).toBe('invalid_url');
	});

	it('a DNS failure is a retried network error', async () => {
		const lookup = fakeLookup([]);
		const out = await deliver(req('http://missing.example.test/'), opts({ lookup, attempts: 2 }));
		expect(out).toMatchObject({ ok: false, attempts: 2, error: { code: 'network' } });
		expect(out.error!.message).toContain('not found');
	});

	it('the connect timeout fires when the connection cannot be made in time', async () => {
		// A resolver that never answers stands in for an unreachable host, without any traffic.
		const never = (() => undefined) as unknown as typeof import('node:dns').lookup;
		const t0 = Date.now();
		const out = await deliver(req('http://slow.example.test/'), opts({ lookup: never, connectTimeoutMs: 300, attempts: 1 }));
		const elapsed = Date.now() - t0;
		// eslint-disable-next-line no-console
		console.log(`connect timeout 300 ms → ${elapsed} ms`);
		expect(out.error?.code).toBe('timeout');
		expect(elapsed).toBeLessThan(300 + 1500);
	});
});

describe('proxies (HTTP_PROXY / HTTPS_PROXY / NO_PROXY)', () => {
	it('picks the proxy like EnvHttpProxyAgent', () => {
		const env = { httpProxy: 'http://proxy:3128', httpsProxy: 'http://sproxy:3128', noProxy: 'internal.test, .corp.test,api.test:8443 [::1]' };
		expect(proxyForUrl(new URL('http://a.example/'), env)).toBe('http://proxy:3128');
		expect(proxyForUrl(new URL('https://a.example/'), env)).toBe('http://sproxy:3128');
		expect(proxyForUrl(new URL('https://a.example/'), { httpProxy: 'http://proxy:3128' })).toBe('http://proxy:3128');
		expect(proxyForUrl(new URL('http://internal.test/'), env)).toBeNull();
		expect(proxyForUrl(new URL('http://x.internal.test/'), env)).toBeNull();
		expect(proxyForUrl(new URL('http://corp.test/'), env)).toBeNull();
		expect(proxyForUrl(new URL('http://a.corp.test/'), env)).toBeNull();
		expect(proxyForUrl(new URL('http://notinternal.test/'), env)).toBe('http://proxy:3128');
		expect(proxyForUrl(new URL('https://api.test:8443/'), env)).toBeNull();
		expect(proxyForUrl(new URL('https://api.test/'), env)).toBe('http://sproxy:3128');
		expect(proxyForUrl(new URL('http://[::1]:8080/'), env)).toBeNull();
		expect(proxyForUrl(new URL('http://a.example/'), { ...env, noProxy: '*' })).toBeNull();
		expect(proxyForUrl(new URL('http://a.example/'), {})).toBeNull();
	});

	it('a public name is resolved and judged here, and the proxy is asked for that address, not the name', () =>
		withTunnelProxy(local.port, async (proxy) => {
			const lookup = fakeLookup(['93.184.216.34']);
			const before = local.requests.length;
			const out = await deliver(req('http://hooks.example.test/via-proxy'), opts({ lookup }));
			expect(out).toMatchObject({ ok: true, status: 200, body: 'reached' });
			expect(lookup.calls).toEqual(['hooks.example.test']);
			// An IP literal: the proxy has no name left to resolve differently (DNS rebinding).
			expect(proxy.connectTargets).toEqual(['93.184.216.34:80']);
			expect(local.requests[before].url).toBe('/via-proxy');
			// Inside the tunnel the request still names the host.
			expect(local.requests[before].headers.host).toBe('hooks.example.test');
		}));

	it('every new connection is resolved and judged again: a name that turns private later is refused at the next connect', () =>
		withTunnelProxy(local.port, async (proxy) => {
			let calls = 0;
			// Public for the first connection, private afterwards (a rebinding resolver).
			const lookup = fakeLookup(() => (calls++ === 0 ? ['93.184.216.34'] : ['10.0.0.5']));
			const first = await deliver(req('http://rebind.example.test/one'), opts({ lookup }));
			expect(first.ok).toBe(true);
			await closeSenderDispatchers(); // no idle socket to reuse: the next request connects anew
			const second = await deliver(req('http://rebind.example.test/two'), opts({ lookup }));
			expect(second).toMatchObject({ ok: false, attempts: 1, error: { code: 'blocked_address' } });
			expect(second.error?.message).toContain('10.0.0.5');
			expect(proxy.connectTargets).toEqual(['93.184.216.34:80']);
		}));

	it('an IPv6 answer is asked for in brackets; a public IP literal goes as it is', () =>
		withTunnelProxy(local.port, async (proxy) => {
			const v6 = await deliver(req('http://v6.example.test:8080/'), opts({ lookup: fakeLookup(['2606:2800:220:1:248:1893:25c8:1946']) }));
			expect(v6.ok).toBe(true);
			const literal = await deliver(req('http://93.184.216.34/'), opts());
			expect(literal.ok).toBe(true);
			expect(proxy.connectTargets).toEqual(['[2606:2800:220:1:248:1893:25c8:1946]:8080', '93.184.216.34:80']);
		}));

	it('with blocking off (and no egress policy) the proxy gets the name, as n8n\'s own HTTP layer sends it', () =>
		withTunnelProxy(local.port, async (proxy) => {
			const lookup = fakeLookup(['93.184.216.34']);
			const out = await deliver(req('http://hooks.example.test/by-name'), opts({ lookup, blockPrivateAddresses: false }));
			expect(out).toMatchObject({ ok: true, body: 'reached' });
			expect(lookup.calls).toEqual([]);
			expect(proxy.connectTargets).toEqual(['hooks.example.test:80']);
		}));

	it('a name resolving to a private address is refused before the proxy is contacted', () =>
		withTunnelProxy(local.port, async (proxy) => {
			const out = await deliver(req('http://hooks.example.test/'), opts({ lookup: fakeLookup(['10.0.0.5']) }));
			expect(out.error?.code).toBe('blocked_address');
			const literal = await deliver(req('http://169.254.169.254/'), opts());
			expect(literal.error?.code).toBe('blocked_address');
			expect(proxy.connectTargets).toEqual([]);
		}));

	it('NO_PROXY hosts connect directly (through the connect-time guard)', () =>
		withTunnelProxy(local.port, async (proxy) => {
			process.env.NO_PROXY = 'example.test';
			const blocked = await deliver(req(`http://hooks.example.test:${local.port}/`), opts({ lookup: fakeLookup(['127.0.0.1']) }));
			expect(blocked.error?.code).toBe('blocked_address');
			const direct = await deliver(
				req(`http://hooks.example.test:${local.port}/direct`),
				opts({ lookup: fakeLookup(['127.0.0.1']), blockPrivateAddresses: false }),
			);
			expect(direct).toMatchObject({ ok: true, body: 'reached' });
			expect(proxy.connectTargets).toEqual([]);
		}));
});
