/**
 * IP address parsing, CIDR allow-lists and the "is this destination safe to call" check.
 *
 * Pure TypeScript (no n8n, no DNS): the triggers use `parseAllowList` / `ipMatchesAny` for
 * their IP allow-lists, and the sender uses `blockedAddressReason` to refuse private,
 * loopback, link-local (cloud metadata) and other non-public destinations (SSRF).
 */

export interface ParsedIp {
	family: 4 | 6;
	/** 4 bytes for IPv4, 16 for IPv6, network order. */
	bytes: Uint8Array;
}

export interface ParseIpOptions {
	/**
	 * Also accept the historic inet_aton() spellings of IPv4 that URL parsers and some
	 * resolvers still honour and that SSRF payloads use to dodge naive filters:
	 * '2130706433', '0x7f000001', '0177.0.0.1', '127.1', '0x7f.0.0.1', a trailing dot.
	 */
	legacyIpv4Forms?: boolean;
}

const DOTTED_QUAD = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

function parseStrictIpv4(text: string): Uint8Array | null {
	const m = DOTTED_QUAD.exec(text);
	if (!m) return null;
	const bytes = new Uint8Array(4);
	for (let i = 0; i < 4; i++) {
		const n = Number(m[i + 1]);
		if (n > 255) return null;
		bytes[i] = n;
	}
	return bytes;
}

/** One inet_aton() component: decimal, 0x-hex or 0-octal. */
function parseLegacyPart(part: string): number | null {
	let digits: string;
	let radix: number;
	if (/^0x/i.test(part)) {
		digits = part.slice(2);
		radix = 16;
		if (digits === '') return 0; // WHATWG URL treats a bare "0x" as zero
		if (!/^[0-9a-f]+$/i.test(digits)) return null;
	} else if (part.length > 1 && part.startsWith('0')) {
		digits = part.slice(1);
		radix = 8;
		if (!/^[0-7]+$/.test(digits)) return null;
	} else {
		digits = part;
		radix = 10;
		if (!/^\d+$/.test(digits)) return null;
	}
	// Reject absurdly long components before they lose precision.
	if (digits.replace(/^0+/, '').length > 12) return null;
	const n = parseInt(digits, radix);
	return Number.isSafeInteger(n) ? n : null;
}

function parseLegacyIpv4(text: string): Uint8Array | null {
	let t = text;
	if (t.endsWith('.')) t = t.slice(0, -1);
	if (t === '') return null;
	const parts = t.split('.');
	if (parts.length > 4) return null;
	const nums: number[] = [];
	for (const p of parts) {
		if (p === '') return null;
		const n = parseLegacyPart(p);
		if (n === null) return null;
		nums.push(n);
	}
	const last = nums.pop() as number;
	for (const n of nums) if (n > 255) return null;
	const lastBytes = 4 - nums.length;
	if (last >= 2 ** (8 * lastBytes)) return null;
	const bytes = new Uint8Array(4);
	nums.forEach((n, i) => (bytes[i] = n));
	let rest = last;
	for (let i = 3; i >= nums.length; i--) {
		bytes[i] = rest % 256;
		rest = Math.floor(rest / 256);
	}
	return bytes;
}

const HEX_GROUP = /^[0-9a-f]{1,4}$/i;

function parseIpv6(text: string): Uint8Array | null {
	if (text.length === 0 || text.length > 45) return null;
	const halves = text.split('::');
	if (halves.length > 2) return null;

	const toGroups = (s: string): number[] | null => {
		if (s === '') return [];
		const parts = s.split(':');
		const out: number[] = [];
		for (let i = 0; i < parts.length; i++) {
			const p = parts[i];
			if (i === parts.length - 1 && p.includes('.')) {
				const v4 = parseStrictIpv4(p);
				if (!v4) return null;
				out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
			} else {
				if (!HEX_GROUP.test(p)) return null;
				out.push(parseInt(p, 16));
			}
		}
		return out;
	};

	const head = toGroups(halves[0]);
	if (!head) return null;
	let groups: number[];
	if (halves.length === 2) {
		const tail = toGroups(halves[1]);
		if (!tail) return null;
		// An embedded IPv4 may only end the address, never precede '::'.
		if (halves[0].includes('.')) return null;
		const missing = 8 - head.length - tail.length;
		if (missing < 1) return null;
		groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
	} else {
		groups = head;
		if (groups.length !== 8) return null;
	}
	const bytes = new Uint8Array(16);
	groups.forEach((g, i) => {
		bytes[2 * i] = g >> 8;
		bytes[2 * i + 1] = g & 0xff;
	});
	return bytes;
}

/**
 * Parse an IP address. Strict by default: dotted-quad IPv4 without leading zeros, RFC 4291
 * IPv6 (compression, embedded IPv4). '[...]' brackets are accepted around IPv6 and an IPv6
 * zone id ('fe80::1%eth0') is stripped. Returns null for anything else, including hostnames.
 */
export function parseIp(text: string, opts: ParseIpOptions = {}): ParsedIp | null {
	if (typeof text !== 'string') return null;
	let t = text;
	let bracketed = false;
	if (t.startsWith('[') && t.endsWith(']')) {
		t = t.slice(1, -1);
		bracketed = true;
	}
	if (t.includes(':')) {
		const zone = t.indexOf('%');
		if (zone !== -1) {
			if (zone === t.length - 1) return null;
			t = t.slice(0, zone);
		}
		const bytes = parseIpv6(t);
		return bytes ? { family: 6, bytes } : null;
	}
	if (bracketed) return null;
	const v4 = parseStrictIpv4(t) ?? (opts.legacyIpv4Forms ? parseLegacyIpv4(t) : null);
	return v4 ? { family: 4, bytes: v4 } : null;
}

export interface Cidr {
	family: 4 | 6;
	/** Network address (host bits cleared). */
	bytes: Uint8Array;
	prefix: number;
	/** The entry as the user wrote it (trimmed), for messages. */
	text: string;
}

function maskBytes(bytes: Uint8Array, prefix: number): Uint8Array {
	const out = new Uint8Array(bytes);
	for (let i = 0; i < out.length; i++) {
		const bitsHere = Math.max(0, Math.min(8, prefix - i * 8));
		out[i] &= bitsHere === 0 ? 0 : (0xff << (8 - bitsHere)) & 0xff;
	}
	return out;
}

function prefixMatches(addr: Uint8Array, net: Uint8Array, prefix: number): boolean {
	const full = prefix >> 3;
	for (let i = 0; i < full; i++) if (addr[i] !== net[i]) return false;
	const rem = prefix & 7;
	if (rem === 0) return true;
	const mask = (0xff << (8 - rem)) & 0xff;
	return (addr[full] & mask) === (net[full] & mask);
}

function isV4Mapped(b: Uint8Array): boolean {
	for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
	return b[10] === 0xff && b[11] === 0xff;
}

/** '::ffff:a.b.c.d' → a.b.c.d; anything else unchanged. */
function unmapIpv4(ip: ParsedIp): ParsedIp {
	if (ip.family === 6 && isV4Mapped(ip.bytes)) return { family: 4, bytes: ip.bytes.slice(12) };
	return ip;
}

/**
 * Parse 'a.b.c.d/n', 'x::/n' or a bare address (= /32 or /128). Host bits are cleared
 * ('10.1.2.3/8' means 10.0.0.0/8). An IPv4-mapped IPv6 range with prefix >= 96 is stored as
 * the IPv4 range it denotes, so it matches IPv4 peers too.
 */
function parseCidr(text: string): Cidr {
	const t = String(text).trim();
	const invalid = () => new Error(`"${t}" is not a valid IP range`);
	const slash = t.indexOf('/');
	const addrText = slash === -1 ? t : t.slice(0, slash);
	const ip = parseIp(addrText);
	if (!ip || addrText.includes('%')) throw invalid();
	const max = ip.family === 4 ? 32 : 128;
	let prefix = max;
	if (slash !== -1) {
		const p = t.slice(slash + 1);
		if (!/^(0|[1-9]\d{0,2})$/.test(p)) throw invalid();
		prefix = Number(p);
		if (prefix > max) throw invalid();
	}
	if (ip.family === 6 && isV4Mapped(ip.bytes) && prefix >= 96) {
		return { family: 4, bytes: maskBytes(ip.bytes.slice(12), prefix - 96), prefix: prefix - 96, text: t };
	}
	return { family: ip.family, bytes: maskBytes(ip.bytes, prefix), prefix, text: t };
}

/**
 * Parse an allow-list: entries separated by commas, semicolons, whitespace or newlines.
 * Empty text → [] (the caller decides what an empty list means). Throws on the first bad entry.
 */
export function parseAllowList(text: string): Cidr[] {
	if (!text) return [];
	return String(text)
		.split(/[\s,;]+/)
		.filter((e) => e.length > 0)
		.map(parseCidr);
}

/** True when `ip` lies in any range. IPv4-mapped IPv6 peers match IPv4 ranges. Unparseable → false. */
export function ipMatchesAny(ip: string, list: Cidr[]): boolean {
	const parsed = parseIp(typeof ip === 'string' ? ip.trim() : '');
	if (!parsed) return false;
	const addr = unmapIpv4(parsed);
	return list.some((c) => c.family === addr.family && prefixMatches(addr.bytes, c.bytes, c.prefix));
}

type BlockReason =
	| 'loopback'
	| 'private'
	| 'link-local'
	| 'cgnat'
	| 'unique-local'
	| 'multicast'
	| 'unspecified'
	| 'reserved';

interface BlockedRange {
	cidr: Cidr;
	reason: BlockReason;
}

const range = (text: string, reason: BlockReason): BlockedRange => ({ cidr: parseCidr(text), reason });

const BLOCKED_V4: BlockedRange[] = [
	range('0.0.0.0/8', 'unspecified'),
	range('10.0.0.0/8', 'private'),
	range('100.64.0.0/10', 'cgnat'),
	range('127.0.0.0/8', 'loopback'),
	range('169.254.0.0/16', 'link-local'), // includes 169.254.169.254 cloud metadata
	range('172.16.0.0/12', 'private'),
	range('192.0.0.0/24', 'reserved'), // IETF protocol assignments (incl. 192.0.0.192 Oracle metadata)
	range('192.0.2.0/24', 'reserved'), // documentation
	range('192.88.99.0/24', 'reserved'), // 6to4 relay anycast
	range('192.168.0.0/16', 'private'),
	range('198.18.0.0/15', 'reserved'), // benchmarking
	range('198.51.100.0/24', 'reserved'), // documentation
	range('203.0.113.0/24', 'reserved'), // documentation
	range('224.0.0.0/4', 'multicast'),
	range('240.0.0.0/4', 'reserved'), // includes 255.255.255.255 broadcast
];

const BLOCKED_V6: BlockedRange[] = [
	range('::/128', 'unspecified'),
	range('::1/128', 'loopback'),
	range('64:ff9b:1::/48', 'reserved'), // local-use NAT64: translates into private space
	range('100::/64', 'reserved'), // discard-only
	range('2001::/32', 'reserved'), // Teredo: the embedded IPv4 is obfuscated, so it cannot be judged
	range('2001:2::/48', 'reserved'), // benchmarking
	range('2001:10::/28', 'reserved'), // ORCHID
	range('2001:20::/28', 'reserved'), // ORCHIDv2
	range('2001:db8::/32', 'reserved'), // documentation
	range('fc00::/7', 'unique-local'),
	range('fe80::/10', 'link-local'),
	range('fec0::/10', 'reserved'), // deprecated site-local
	range('ff00::/8', 'multicast'),
];

const V6_EMBEDDING_V4: Array<{ cidr: Cidr; offset: number }> = [
	{ cidr: parseCidr('::/96'), offset: 12 }, // IPv4-compatible (deprecated); :: and ::1 handled before
	{ cidr: parseCidr('64:ff9b::/96'), offset: 12 }, // NAT64 well-known prefix
	{ cidr: parseCidr('2002::/16'), offset: 2 }, // 6to4
];
// parseCidr stores '::ffff:0:0/96' as 0.0.0.0/0 (v4), so mapped addresses are handled by unmapIpv4.

const GLOBAL_UNICAST_V6 = parseCidr('2000::/3');

function reasonIn(list: BlockedRange[], bytes: Uint8Array): BlockReason | null {
	for (const r of list) if (prefixMatches(bytes, r.cidr.bytes, r.cidr.prefix)) return r.reason;
	return null;
}

/**
 * Why an address must not be contacted by a server-side HTTP client, or null when it is a
 * public unicast address. Accepts text (strict syntax; use parseIp with legacyIpv4Forms first
 * for URL hosts) or a parsed address. Unparseable text is reported as 'reserved' (fail closed).
 * IPv6 addresses that embed an IPv4 address (mapped, compatible, NAT64, 6to4) are judged by it.
 */
export function blockedAddressReason(ip: string | ParsedIp): string | null {
	const parsed = typeof ip === 'string' ? parseIp(ip.trim()) : ip;
	if (!parsed || (parsed.bytes.length !== (parsed.family === 4 ? 4 : 16))) return 'reserved';
	const addr = unmapIpv4(parsed);
	if (addr.family === 4) return reasonIn(BLOCKED_V4, addr.bytes);

	const direct = reasonIn(BLOCKED_V6, addr.bytes);
	if (direct) return direct;
	for (const e of V6_EMBEDDING_V4) {
		if (prefixMatches(addr.bytes, e.cidr.bytes, e.cidr.prefix)) {
			return reasonIn(BLOCKED_V4, addr.bytes.slice(e.offset, e.offset + 4));
		}
	}
	// Only 2000::/3 is allocated as global unicast; everything else is reserved by IANA.
	if (!prefixMatches(addr.bytes, GLOBAL_UNICAST_V6.bytes, GLOBAL_UNICAST_V6.prefix)) return 'reserved';
	return null;
}
