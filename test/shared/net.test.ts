import { blockedAddressReason, type Cidr, ipMatchesAny, parseAllowList, parseIp, type ParsedIp } from '../../nodes/shared/net';

/**
 * Canonical text of parsed bytes, written independently of the code under test: a dotted quad,
 * or IPv6 as the WHATWG URL serializer writes it (lower case, longest zero run compressed).
 */
function canonical(ip: ParsedIp): string {
	if (ip.family === 4) return Array.from(ip.bytes).join('.');
	const groups: string[] = [];
	for (let i = 0; i < 16; i += 2) groups.push(((ip.bytes[i] << 8) | ip.bytes[i + 1]).toString(16));
	return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

const text = (s: string, legacy = false) => {
	const ip = parseIp(s, { legacyIpv4Forms: legacy });
	return ip ? canonical(ip) : null;
};

/** The one range an allow-list entry parses to. */
const entry = (s: string): Cidr => {
	const list = parseAllowList(s);
	expect(list).toHaveLength(1);
	return list[0];
};

describe('parseIp', () => {
	it.each([
		['1.2.3.4', '1.2.3.4'],
		['0.0.0.0', '0.0.0.0'],
		['255.255.255.255', '255.255.255.255'],
		['::', '::'],
		['::1', '::1'],
		['[::1]', '::1'],
		['2001:DB8::1', '2001:db8::1'],
		['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
		['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
		['1::8', '1::8'],
		['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
		['::ffff:1.2.3.4', '::ffff:102:304'],
		['64:ff9b::10.0.0.1', '64:ff9b::a00:1'],
		['fe80::1%eth0', 'fe80::1'],
		['[fe80::1%25en0]', 'fe80::1'],
	])('parses %s', (input, expected) => {
		expect(text(input)).toBe(expected);
	});

	it.each([
		'',
		'1.2.3',
		'1.2.3.4.5',
		'256.1.1.1',
		'01.2.3.4',
		'1.2.3.4 ',
		'127.1',
		'2130706433',
		'0x7f000001',
		'[1.2.3.4]',
		'example.com',
		':::',
		'1:::2',
		'1::2::3',
		'1:2:3:4:5:6:7:8:9',
		'1:2:3:4:5:6:7',
		'12345::',
		'g::1',
		'1.2.3.4::',
		'::1.2.3',
		'::256.0.0.1',
		'fe80::1%',
		'[::1',
	])('rejects %p in strict mode', (input) => {
		expect(parseIp(input)).toBeNull();
	});

	it.each([
		['2130706433', '127.0.0.1'],
		['0x7f000001', '127.0.0.1'],
		['0X7F000001', '127.0.0.1'],
		['0177.0.0.1', '127.0.0.1'],
		['0177.0.0.01', '127.0.0.1'],
		['127.1', '127.0.0.1'],
		['127.0.1', '127.0.0.1'],
		['0x7f.0.0.1', '127.0.0.1'],
		['0x7f.1', '127.0.0.1'],
		['10.0.0.1.', '10.0.0.1'],
		['167772161', '10.0.0.1'],
		['0xa9fea9fe', '169.254.169.254'],
		['0', '0.0.0.0'],
		['4294967295', '255.255.255.255'],
	])('legacy form %s = %s', (input, expected) => {
		expect(text(input, true)).toBe(expected);
	});

	it.each(['4294967296', '08.0.0.1', '0x100.0.0.1', '1.2.3.256', '1.2.65536', '1..2', '0xg', '1.2.3.4.5', 'a.b.c.d', '.'])(
		'legacy mode still rejects %p',
		(input) => {
			expect(parseIp(input, { legacyIpv4Forms: true })).toBeNull();
		},
	);
});

describe('parseAllowList: its entries', () => {
	it('parses ranges and bare addresses', () => {
		expect(entry('10.0.0.0/8')).toMatchObject({ family: 4, prefix: 8, text: '10.0.0.0/8' });
		expect(entry('1.2.3.4')).toMatchObject({ family: 4, prefix: 32 });
		expect(entry('2001:db8::/32')).toMatchObject({ family: 6, prefix: 32 });
		expect(entry('::1')).toMatchObject({ family: 6, prefix: 128 });
		expect(entry(' 0.0.0.0/0 ')).toMatchObject({ family: 4, prefix: 0, text: '0.0.0.0/0' });
	});

	it('clears host bits', () => {
		expect(canonical(entry('10.1.2.3/8'))).toBe('10.0.0.0');
		expect(canonical(entry('192.168.1.77/26'))).toBe('192.168.1.64');
		expect(canonical(entry('2001:db8:ffff::1/33'))).toBe('2001:db8:8000::');
	});

	it('stores an IPv4-mapped range as IPv4', () => {
		expect(entry('::ffff:10.0.0.0/104')).toMatchObject({ family: 4, prefix: 8 });
		expect(entry('::ffff:0:0/96')).toMatchObject({ family: 4, prefix: 0 });
	});

	// An entry ends at whitespace, so '10.0.0.0/ 8' is the entry '10.0.0.0/' followed by '8'.
	it.each([
		...['10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/08', '10.0.0/8', 'example.com/8', '/8', '10.0.0.0/8/8', 'fe80::1%eth0/64'].map((input) => [input, input]),
		['10.0.0.0/ 8', '10.0.0.0/'],
	])('rejects %p with a readable message naming %p', (input, bad) => {
		expect(() => parseAllowList(input)).toThrow(`"${bad}" is not a valid IP range`);
	});

	it('splits on commas, whitespace and newlines', () => {
		const list = parseAllowList('10.0.0.0/8, 192.168.1.1\n2001:db8::/32\t\t1.2.3.4;5.6.7.0/24,,');
		expect(list.map((c) => c.text)).toEqual(['10.0.0.0/8', '192.168.1.1', '2001:db8::/32', '1.2.3.4', '5.6.7.0/24']);
	});

	it('empty text is an empty list', () => {
		expect(parseAllowList('')).toEqual([]);
		expect(parseAllowList('  \n , ')).toEqual([]);
	});

	it('reports the bad entry', () => {
		expect(() => parseAllowList('10.0.0.0/8, 300.1.1.1')).toThrow('"300.1.1.1" is not a valid IP range');
	});
});

describe('ipMatchesAny', () => {
	const list = parseAllowList('10.0.0.0/8 192.168.1.64/26 203.0.113.7 2001:db8:abcd::/48 ::1');

	it.each([
		['10.0.0.0', true],
		['10.255.255.255', true],
		['11.0.0.0', false],
		['9.255.255.255', false],
		['192.168.1.63', false],
		['192.168.1.64', true],
		['192.168.1.127', true],
		['192.168.1.128', false],
		['203.0.113.7', true],
		['203.0.113.8', false],
		['2001:db8:abcd::1', true],
		['2001:db8:abcd:ffff:ffff:ffff:ffff:ffff', true],
		['2001:0db8:abcd:0000::0001', true],
		['2001:db8:abce::1', false],
		['::1', true],
		['[::1]', true],
		['::2', false],
		['::ffff:10.1.2.3', true],
		['::ffff:a01:203', true],
		['::ffff:11.1.2.3', false],
		['not-an-ip', false],
		['', false],
		['10.1', false],
		['167772161', false],
	])('%s → %s', (ip, expected) => {
		expect(ipMatchesAny(ip, list)).toBe(expected);
	});

	// /0 matches everything of its family only; an IPv4-mapped range matches IPv4 peers; odd prefixes are bitwise.
	it.each([
		['0.0.0.0/0', ['1.2.3.4', '255.255.255.255', '::ffff:1.2.3.4'], ['2001:db8::1']],
		['::/0', ['2001:db8::1'], ['1.2.3.4']],
		['::ffff:10.0.0.0/104', ['10.9.9.9'], []],
		['172.16.0.0/12', ['172.31.255.255'], ['172.32.0.0', '172.15.255.255']],
		['fe80::/10', ['febf::1'], ['fec0::1']],
	])('range %s matches %p and nothing of %p', (range, inside, outside) => {
		const list = parseAllowList(range);
		expect(inside.filter((ip) => !ipMatchesAny(ip, list))).toEqual([]);
		expect(outside.filter((ip) => ipMatchesAny(ip, list))).toEqual([]);
	});

	it('empty list matches nothing', () => {
		expect(ipMatchesAny('1.2.3.4', [])).toBe(false);
	});
});

describe('blockedAddressReason', () => {
	it.each([
		['127.0.0.1', 'loopback'],
		['127.255.255.254', 'loopback'],
		['::1', 'loopback'],
		['10.0.0.1', 'private'],
		['172.16.0.1', 'private'],
		['172.31.255.255', 'private'],
		['192.168.0.1', 'private'],
		['169.254.169.254', 'link-local'],
		['169.254.0.1', 'link-local'],
		['fe80::1', 'link-local'],
		['febf::1', 'link-local'],
		['100.64.0.1', 'cgnat'],
		['100.127.255.255', 'cgnat'],
		['fc00::1', 'unique-local'],
		['fd00::1', 'unique-local'],
		['fd12:3456:789a::1', 'unique-local'],
		['224.0.0.1', 'multicast'],
		['239.255.255.250', 'multicast'],
		['ff02::1', 'multicast'],
		['0.0.0.0', 'unspecified'],
		['0.1.2.3', 'unspecified'],
		['::', 'unspecified'],
		['240.0.0.1', 'reserved'],
		['255.255.255.255', 'reserved'],
		['192.0.0.170', 'reserved'],
		['192.0.2.1', 'reserved'],
		['198.18.0.1', 'reserved'],
		['198.19.255.255', 'reserved'],
		['198.51.100.1', 'reserved'],
		['203.0.113.1', 'reserved'],
		['2001:db8::1', 'reserved'],
		['fec0::1', 'reserved'],
		['100::1', 'reserved'],
		['2001::1', 'reserved'],
		['64:ff9b:1::1', 'reserved'],
		['3fff::1', null],
		['4000::1', 'reserved'],
		// IPv6 forms that carry an IPv4 address are judged by it
		['::ffff:127.0.0.1', 'loopback'],
		['::ffff:7f00:1', 'loopback'],
		['::ffff:10.0.0.1', 'private'],
		['::ffff:169.254.169.254', 'link-local'],
		['::127.0.0.1', 'loopback'],
		['::10.0.0.1', 'private'],
		['64:ff9b::10.0.0.1', 'private'],
		['64:ff9b::a9fe:a9fe', 'link-local'],
		['2002:a00:1::', 'private'],
		['2002:7f00:1::1', 'loopback'],
		['2002:c0a8:101::1', 'private'],
		// public
		['8.8.8.8', null],
		['1.1.1.1', null],
		['100.63.255.255', null],
		['100.128.0.0', null],
		['172.15.255.255', null],
		['172.32.0.0', null],
		['169.253.255.255', null],
		['223.255.255.255', null],
		['2606:4700:4700::1111', null],
		['::ffff:8.8.8.8', null],
		['64:ff9b::8.8.8.8', null],
		['2002:808:808::1', null],
	])('%s → %p', (ip, reason) => {
		expect(blockedAddressReason(ip)).toBe(reason);
	});

	it.each([
		['2130706433', 'loopback'],
		['0x7f000001', 'loopback'],
		['0177.0.0.1', 'loopback'],
		['127.1', 'loopback'],
		['0x7f.0.0.1', 'loopback'],
		['017700000001', 'loopback'],
		['167772161', 'private'],
		['0xa9fea9fe', 'link-local'],
		['0251.0376.0251.0376', 'link-local'],
		['169.254.43518', 'link-local'],
		['0xc0.0xa8.1.1', 'private'],
		['0', 'unspecified'],
		['0x0', 'unspecified'],
	])('legacy spelling %s → %s (via parseIp legacyIpv4Forms)', (input, reason) => {
		const ip = parseIp(input, { legacyIpv4Forms: true });
		expect(ip).not.toBeNull();
		expect(blockedAddressReason(ip!)).toBe(reason);
	});

	it('fails closed on text it cannot parse', () => {
		expect(blockedAddressReason('not an ip')).toBe('reserved');
	});
});
