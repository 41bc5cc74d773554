/**
 * n8n's instance egress policy in the sender (SenderOptions.egressFilter): applied in addition
 * to Block Private Addresses, pre-flight on every attempt and at connect time on every
 * connection (direct or through the pinned proxy tunnel). The filters here are stand-ins with
 * n8n's NodeEgressFilter shape and n8n's error names; the node-level test
 * (test/sendWebhook/egress.test.ts) runs n8n's own SsrfProtectionService.
 */
import * as dns from 'node:dns';
import type { LookupFunction } from 'node:net';

import { deliver, type DeliveryRequest, type EgressFilter, type SenderOptions } from '../../nodes/shared/sender';
import { fakeLookup, withTunnelProxy } from '../helpers/httpServers';
import { useFileServer, useLoopbackGuard, useNoProxyEnvironment } from '../helpers/loopbackSuite';

/** n8n's SsrfBlockedIpError, as far as a caller can see it. */
function ssrfBlockedIp(ip: string): Error {
	const error = new Error('The request was blocked because it resolves to a restricted IP address');
	error.name = 'SsrfBlockedIpError';
	return Object.assign(error, { ip });
}

interface TestFilter extends EgressFilter {
	validated: string[];
	looked: string[];
}

/**
 * A policy over `answers` (name → addresses) that refuses the addresses in `blocked`: like n8n's,
 * validateUrl judges IP literals without DNS and names by resolving them; the secure lookup
 * resolves and judges on every connection.
 */
function policy(blocked: string[], answers: Record<string, string[]> = {}): TestFilter {
	const validated: string[] = [];
	const looked: string[] = [];
	const resolve = (host: string) => answers[host] ?? [];
	return {
		validated,
		looked,
		validateUrl: async (url) => {
			const parsed = new URL(String(url));
			validated.push(parsed.host);
			const host = parsed.hostname.replace(/^\[|\]$/g, '');
			const addresses = /^[\d.]+$|:/.test(host) ? [host] : resolve(host);
			if (addresses.length === 0) {
				throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
			}
			const bad = addresses.find((address) => blocked.includes(address));
			return bad ? { ok: false as const, error: ssrfBlockedIp(bad) } : { ok: true as const };
		},
		createSecureLookup: () =>
			((host: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
				looked.push(host);
				const addresses = resolve(host);
				process.nextTick(() => {
					if (addresses.length === 0) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }));
					const bad = addresses.find((address) => blocked.includes(address));
					if (bad) return callback(ssrfBlockedIp(bad), options.all ? [] : '', undefined);
					const list = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
					if (options.all) callback(null, list);
					else callback(null, list[0].address, list[0].family);
				});
			}) as unknown as LookupFunction,
	};
}

function req(url: string): DeliveryRequest {
	return { url, method: 'POST', deliveryId: 'msg_egress', prepare: () => ({ headers: {}, body: Buffer.from('{}') }) };
}

const opts = (o: Partial<SenderOptions>): Partial<SenderOptions> => ({
	blockPrivateAddresses: false,
	attempts: 1,
	backoffBaseMs: 1,
	backoffCapMs: 1,
	random: () => 0,
	...o,
});

useNoProxyEnvironment();
useLoopbackGuard();
const local = useFileServer((_req, res) => res.end('reached'));
const flaky = useFileServer((_req, res) => {
	res.writeHead(503);
	res.end();
});

describe('egress filter present', () => {
	it('an IP literal the policy refuses: no connection, a final egress_blocked error naming the host', async () => {
		const filter = policy(['127.0.0.1']);
		const before = local.connections();
		const out = await deliver(req(`${local.url}?token=query-secret`), opts({ egressFilter: filter, attempts: 3 }));
		expect(out).toMatchObject({ ok: false, status: null, attempts: 1, error: { code: 'egress_blocked' } });
		expect(out.error?.message).toBe(
			`n8n's egress policy (N8N_SSRF_* settings) refuses 127.0.0.1:${local.port}: The request was blocked because it resolves to a restricted IP address`,
		);
		expect(out.error?.message).not.toContain('query-secret');
		expect(local.connections()).toBe(before);
		expect(filter.validated).toEqual([`127.0.0.1:${local.port}`]);
	});

	it('a name the pre-flight allowed but that resolves to a refused address when connecting (rebinding) is refused at connect time', async () => {
		const filter = policy(['127.0.0.1'], { 'rebind.example.test': ['127.0.0.1'] });
		// The pre-flight saw a public answer; the connection's lookup does not.
		const preflightPublic: EgressFilter = { ...filter, validateUrl: async () => ({ ok: true }) };
		const before = local.connections();
		const out = await deliver(req(`http://rebind.example.test:${local.port}/`), opts({ egressFilter: preflightPublic }));
		expect(out).toMatchObject({ ok: false, attempts: 1, error: { code: 'egress_blocked' } });
		expect(out.error?.message).toContain('refuses rebind.example.test (127.0.0.1)');
		expect(filter.looked).toEqual(['rebind.example.test']);
		expect(local.connections()).toBe(before);
	});

	it('an allowed destination is delivered; the policy is asked before every attempt and its lookup is the one connected with', async () => {
		const filter = policy([], { 'flaky.example.test': ['127.0.0.1'] });
		const out = await deliver(req(`http://flaky.example.test:${flaky.port}/`), opts({ egressFilter: filter, attempts: 3 }));
		expect(out).toMatchObject({ ok: false, attempts: 3, status: 503 });
		expect(filter.validated).toEqual(Array(3).fill(`flaky.example.test:${flaky.port}`));
		// One connection, kept alive across the attempts: looked up once, by n8n's lookup.
		expect(filter.looked).toEqual(['flaky.example.test']);
	});

	it('a DNS failure in the pre-flight is a network error, retried like any other', async () => {
		const filter = policy([]);
		const out = await deliver(req('http://missing.example.test/'), opts({ egressFilter: filter, attempts: 2 }));
		expect(out).toMatchObject({ ok: false, attempts: 2, error: { code: 'network' } });
		expect(out.error?.message).toContain('not found');
	});

	it('both policies apply: n8n allowing an address does not lift Block Private Addresses', async () => {
		const filter = policy([], { 'internal.example.test': ['10.0.0.5'] });
		const literal = await deliver(req(local.url), opts({ egressFilter: filter, blockPrivateAddresses: true }));
		expect(literal.error?.code).toBe('blocked_address');
		const named = await deliver(req('http://internal.example.test/'), opts({ egressFilter: filter, blockPrivateAddresses: true }));
		expect(named.error).toMatchObject({ code: 'blocked_address' });
		expect(named.error?.message).toContain('10.0.0.5');
		// The lookup judged by our guard is n8n's: the test lookup is not consulted.
		expect(filter.looked).toEqual(['internal.example.test']);
	});

	it('and Block Private Addresses off does not lift n8n\'s policy', async () => {
		const filter = policy(['127.0.0.1']);
		const out = await deliver(req(local.url), opts({ egressFilter: filter, blockPrivateAddresses: false }));
		expect(out.error?.code).toBe('egress_blocked');
	});
});

describe('egress filter absent or passthrough', () => {
	it('absent (n8n 1.x): only Block Private Addresses applies, as before', async () => {
		expect((await deliver(req(local.url), opts({}))).ok).toBe(true);
		expect((await deliver(req(local.url), opts({ blockPrivateAddresses: true }))).error?.code).toBe('blocked_address');
	});

	it('n8n\'s passthrough filter (SSRF protection off: its lookup is dns.lookup) is not even called', async () => {
		let calls = 0;
		const passthrough: EgressFilter = {
			validateUrl: async () => {
				calls++;
				return { ok: true };
			},
			createSecureLookup: () => dns.lookup as unknown as LookupFunction,
		};
		const out = await deliver(req(local.url), opts({ egressFilter: passthrough }));
		expect(out.ok).toBe(true);
		expect(calls).toBe(0);
	});

	it('a filter without the two functions is a programmer error', async () => {
		await expect(deliver(req(local.url), opts({ egressFilter: {} as EgressFilter }))).rejects.toThrow('egressFilter');
	});
});

describe('egress filter through a proxy', () => {
	it('the tunnel goes to the address n8n\'s lookup returned and judged', () =>
		withTunnelProxy(local.port, async (proxy) => {
			const filter = policy([], { 'hooks.example.test': ['93.184.216.34'] });
			const out = await deliver(req('http://hooks.example.test/'), opts({ egressFilter: filter, lookup: fakeLookup(['10.9.9.9']) }));
			expect(out).toMatchObject({ ok: true, body: 'reached' });
			expect(proxy.connectTargets).toEqual(['93.184.216.34:80']);
			expect(filter.looked).toEqual(['hooks.example.test']);
		}));

	it('a name n8n refuses never reaches the proxy', () =>
		withTunnelProxy(local.port, async (proxy) => {
			const filter = policy(['169.254.169.254'], { 'metadata.example.test': ['169.254.169.254'] });
			const preflightPublic: EgressFilter = { ...filter, validateUrl: async () => ({ ok: true }) };
			const out = await deliver(req('http://metadata.example.test/'), opts({ egressFilter: preflightPublic }));
			expect(out.error?.code).toBe('egress_blocked');
			expect(proxy.connectTargets).toEqual([]);
		}));
});
