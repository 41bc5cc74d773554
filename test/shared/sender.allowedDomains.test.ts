/**
 * Allowed Domains: the matcher (pure) and the sender enforcing it before every attempt, against
 * real local servers. A refused host must see no DNS lookup, no socket and no signing.
 */
import {
	AllowedDomainsError,
	deliver,
	parseAllowedDomains,
	type DeliveryRequest,
	type SenderOptions,
} from '../../nodes/shared/sender';
import { isUrlAllowed } from '../../nodes/shared/sender/allowedDomains';
import { fakeLookup } from '../helpers/httpServers';
import { useFileServer, useLoopbackGuard } from '../helpers/loopbackSuite';

const allows = (list: string, url: string) => isUrlAllowed(parseAllowedDomains(list), new URL(url));

describe('parseAllowedDomains', () => {
	it.each([undefined, null, '', '   ', ' , ;\n'])('%p means any domain (null), as before the field existed', (text) => {
		expect(parseAllowedDomains(text)).toBeNull();
		expect(isUrlAllowed(parseAllowedDomains(text), new URL('https://anything.example/'))).toBe(true);
	});

	it('splits on commas, semicolons, spaces and new lines, and keeps the entries as written for messages', () => {
		const parsed = parseAllowedDomains(' a.example.com,*.b.example.com;\nc.example.com:8443  [2001:db8::1]');
		expect(parsed?.rules.map(({ host, wildcard, port }) => ({ host, wildcard, port }))).toEqual([
			{ host: 'a.example.com', wildcard: false, port: undefined },
			{ host: 'b.example.com', wildcard: true, port: undefined },
			{ host: 'c.example.com', wildcard: false, port: 8443 },
			{ host: '[2001:db8::1]', wildcard: false, port: undefined },
		]);
		expect(parsed?.display).toBe('a.example.com, *.b.example.com, c.example.com:8443, [2001:db8::1]');
	});

	it.each([
		['https://example.com', 'is a URL'],
		['example.com/hooks', 'is a URL'],
		['user@example.com', 'is a URL'],
		['*', 'wildcard'],
		['*example.com', 'wildcard'],
		['a.*.example.com', 'wildcard'],
		['*.*.example.com', 'wildcard'],
		['*.com', 'top-level domain'],
		['*.10.0.0.1', 'IP address'],
		['example.com:0', 'port outside'],
		['example.com:70000', 'port outside'],
		['exa!mple.com', 'not a valid domain'],
		['a<b.com', 'not a valid'],
		['a..b', 'not a valid domain'],
		['-a.example.com', 'not a valid domain'],
		[':8443', 'has no domain'],
		['[::1', 'not a valid'],
		[`${'a'.repeat(64)}.example.com`, 'not a valid domain'],
	])('refuses %p (%s)', (entry, why) => {
		expect(() => parseAllowedDomains(`ok.example.com, ${entry}`)).toThrow(AllowedDomainsError);
		expect(() => parseAllowedDomains(`ok.example.com, ${entry}`)).toThrow(why);
	});

	it('names the bad entry, cut to 100 characters', () => {
		const long = `${'x'.repeat(300)}/path`;
		try {
			parseAllowedDomains(long);
			throw new Error('expected a refusal');
		} catch (error) {
			expect(error).toBeInstanceOf(AllowedDomainsError);
			expect((error as Error).message).toContain(`"${'x'.repeat(100)}"`);
			expect((error as Error).message.length).toBeLessThan(250);
		}
	});
});

describe('isUrlAllowed: hosts as a connection sees them', () => {
	it.each([
		// exact entries
		['example.com', 'https://example.com/hooks', true],
		['example.com', 'https://www.example.com/', false],
		['example.com', 'https://evil-example.com/', false],
		['example.com', 'https://example.com.evil.com/', false],
		['example.com', 'https://notexample.com/', false],
		// wildcards: subdomains at any depth, never the bare domain, never a look-alike
		['*.example.com', 'https://hooks.example.com/', true],
		['*.example.com', 'https://a.b.c.example.com/', true],
		['*.example.com', 'https://example.com/', false],
		['*.example.com', 'https://evil-example.com/', false],
		['*.example.com', 'https://evilexample.com/', false],
		['*.example.com', 'https://example.com.evil.com/', false],
		['*.example.com', 'https://hooks.example.com.evil.com/', false],
		['*.example.com', 'https://hooks.example.co/', false],
		// case, trailing dots (one is the same host; the URL parser keeps it, we drop it)
		['EXAMPLE.com', 'https://Example.COM/', true],
		['example.com', 'https://EXAMPLE.COM./', true],
		['example.com.', 'https://example.com/', true],
		['*.Example.com', 'https://HOOKS.example.com./', true],
		// IDN: both sides in punycode, whatever form they were written in
		['bücher.example', 'https://xn--bcher-kva.example/', true],
		['xn--bcher-kva.example', 'https://BÜCHER.example/', true],
		['*.bücher.example', 'https://shop.bücher.example/', true],
		['bücher.example', 'https://bucher.example/', false],
		// full-width and ideographic dots normalise like the URL does
		['example.com', 'https://example。com/', true],
		// ports: none in the entry = any port; a port = only that one (default ports count)
		['example.com', 'https://example.com:8443/', true],
		['example.com:8443', 'https://example.com:8443/', true],
		['example.com:8443', 'https://example.com/', false],
		['example.com:443', 'https://example.com/', true],
		['example.com:80', 'http://example.com/', true],
		['example.com:80', 'https://example.com/', false],
		['*.example.com:9000', 'http://a.example.com:9000/', true],
		['*.example.com:9000', 'http://a.example.com:9001/', false],
		// IP addresses, in every spelling a URL accepts
		['127.0.0.1', 'http://127.0.0.1:5678/x', true],
		['127.0.0.1', 'http://2130706433/', true],
		['127.0.0.1', 'http://0x7f.1/', true],
		['127.0.0.1', 'http://127.0.0.2/', false],
		['[2001:db8::1]', 'http://[2001:0db8:0:0::1]/', true],
		['2001:db8::1', 'http://[2001:db8::1]:8080/', true],
		['[2001:db8::1]:443', 'https://[2001:db8::1]/', true],
		['[2001:db8::1]:443', 'http://[2001:db8::1]/', false],
		// percent-encoding in the host decodes to the host connected to
		['example.com', 'https://ex%61mple.com/', true],
		// credentials in the URL do not change the host
		['example.com', 'https://example.com@evil.com/', false],
	])('%p allows %p: %p', (list, url, expected) => {
		expect(allows(list, url)).toBe(expected);
	});

	it('any entry of the list may match', () => {
		const list = 'a.example.com, *.b.example.com, 10.1.2.3:8080';
		expect(allows(list, 'https://a.example.com/')).toBe(true);
		expect(allows(list, 'https://x.b.example.com/')).toBe(true);
		expect(allows(list, 'http://10.1.2.3:8080/')).toBe(true);
		expect(allows(list, 'http://10.1.2.3/')).toBe(false);
		expect(allows(list, 'https://b.example.com/')).toBe(false);
	});
});

describe('deliver() with allowedDomains', () => {
	const guard = useLoopbackGuard();
	const receiver = useFileServer((req, res) => {
		if (req.url === '/redirect') {
			res.writeHead(302, { location: 'http://other.example.test/hook?token=secret-in-query' });
			res.end();
			return;
		}
		if (req.url === '/flaky') {
			res.writeHead(503);
			res.end();
			return;
		}
		res.end('reached');
	});

	function request(url: string, prepared: { count: number }): DeliveryRequest {
		return {
			url,
			method: 'POST',
			deliveryId: 'msg_allowed',
			prepare: () => {
				prepared.count++;
				return { headers: { 'x-api-key': 'the-secret-api-key' }, body: Buffer.from('{}') };
			},
		};
	}
	const opts = (list: string, o: Partial<SenderOptions> = {}): Partial<SenderOptions> => ({
		blockPrivateAddresses: false,
		allowedDomains: parseAllowedDomains(list),
		backoffBaseMs: 1,
		backoffCapMs: 1,
		random: () => 0,
		...o,
	});

	it('a host outside the list: refused with attempts 0, no lookup, no socket, nothing signed', async () => {
		const lookup = fakeLookup(['127.0.0.1']);
		const prepared = { count: 0 };
		const connects = guard.connects.length;
		const out = await deliver(request(`http://hooks.evil.test:${receiver.port}/hook?key=q-secret`, prepared), opts('partner.example.com, *.example.com', { lookup }));
		expect(out).toMatchObject({ ok: false, status: null, attempts: 0, error: { code: 'domain_not_allowed' } });
		expect(out.error?.message).toBe(`hooks.evil.test:${receiver.port} is not in the credential's Allowed Domains (partner.example.com, *.example.com)`);
		expect(out.error?.message).not.toContain('q-secret');
		expect(out.error?.message).not.toContain('the-secret-api-key');
		expect(prepared.count).toBe(0);
		expect(lookup.calls).toEqual([]);
		expect(guard.connects.length).toBe(connects);
		expect(receiver.requests).toHaveLength(0);
	});

	it('the check comes first: a refused host is reported as not allowed even when it is also a blocked address', async () => {
		const out = await deliver(request(`http://127.0.0.1:${receiver.port}/`, { count: 0 }), opts('example.com', { blockPrivateAddresses: true }));
		expect(out.error?.code).toBe('domain_not_allowed');
	});

	it('a listed host (name through a lookup, or an IP entry) is delivered', async () => {
		const byName = await deliver(
			request(`http://hooks.example.test:${receiver.port}/hook`, { count: 0 }),
			opts('*.example.test', { lookup: fakeLookup(['127.0.0.1']) }),
		);
		expect(byName).toMatchObject({ ok: true, status: 200, body: 'reached' });
		const byIp = await deliver(request(`http://127.0.0.1:${receiver.port}/hook`, { count: 0 }), opts(`127.0.0.1:${receiver.port}`));
		expect(byIp).toMatchObject({ ok: true, status: 200 });
		const otherPort = await deliver(request(`http://127.0.0.1:${receiver.port}/hook`, { count: 0 }), opts('127.0.0.1:1'));
		expect(otherPort.error?.code).toBe('domain_not_allowed');
	});

	it('upper case, a trailing dot and IDN reach the connection in the form the list was matched in', async () => {
		const lookup = fakeLookup(['127.0.0.1']);
		const before = receiver.requests.length;
		const mixed = await deliver(request(`http://HOOKS.Example.TEST.:${receiver.port}/hook`, { count: 0 }), opts('*.example.test', { lookup }));
		expect(mixed.ok).toBe(true);
		const idn = await deliver(request(`http://Bücher.example.test:${receiver.port}/hook`, { count: 0 }), opts('bücher.example.test', { lookup }));
		expect(idn.ok).toBe(true);
		const lookAlike = await deliver(request(`http://bucher.example.test:${receiver.port}/hook`, { count: 0 }), opts('bücher.example.test', { lookup }));
		expect(lookAlike.error?.code).toBe('domain_not_allowed');
		expect(lookup.calls).toEqual(['hooks.example.test.', 'xn--bcher-kva.example.test']);
		expect(receiver.requests.slice(before).map((r) => r.headers.host)).toEqual([
			`hooks.example.test.:${receiver.port}`,
			`xn--bcher-kva.example.test:${receiver.port}`,
		]);
	});

	it('checked before every attempt: a retried delivery to a listed host signs each attempt', async () => {
		const prepared = { count: 0 };
		const before = receiver.requests.length;
		const out = await deliver(request(`http://127.0.0.1:${receiver.port}/flaky`, prepared), opts('127.0.0.1', { attempts: 3 }));
		expect(out).toMatchObject({ ok: false, attempts: 3, status: 503 });
		expect(prepared.count).toBe(3);
		expect(receiver.requests.length - before).toBe(3);
	});

	it('a redirect to a host outside the list is not followed (no redirect ever is): nothing reaches it', async () => {
		const lookup = fakeLookup(['127.0.0.1']);
		const out = await deliver(request(`http://127.0.0.1:${receiver.port}/redirect`, { count: 0 }), opts('127.0.0.1', { lookup }));
		expect(out).toMatchObject({ ok: false, status: 302, attempts: 1, error: { code: 'redirect' } });
		expect(out.error?.message).toContain('http://other.example.test/hook');
		expect(out.error?.message).not.toContain('secret-in-query');
		expect(lookup.calls).toEqual([]);
	});

	it('null and absent lists allow everything, as before the option existed', async () => {
		expect((await deliver(request(`http://127.0.0.1:${receiver.port}/`, { count: 0 }), opts('', {}))).ok).toBe(true);
		expect((await deliver(request(`http://127.0.0.1:${receiver.port}/`, { count: 0 }), { blockPrivateAddresses: false })).ok).toBe(true);
	});

	it('a list that did not come from parseAllowedDomains is a programmer error', async () => {
		await expect(
			deliver(request('http://127.0.0.1/', { count: 0 }), { allowedDomains: 'example.com' as never }),
		).rejects.toThrow('allowedDomains');
	});
});
