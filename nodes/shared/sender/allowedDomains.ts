/**
 * "Allowed Domains" of a signing credential: the hosts a secret (or a request signed with it)
 * may be sent to. Pure TypeScript: parsed once per node run, matched before every attempt.
 *
 * Why our own matcher and not n8n-workflow's `isDomainAllowed`: its signature changed between
 * n8n 1.x (`isDomainAllowed(url, { allowedDomains })`) and 2.x (`isDomainAllowed({ url,
 * allowedDomains })`), and a community node runs against whichever n8n-workflow the instance has.
 * The rules are n8n's, plus what its matcher leaves to chance:
 * - entries are separated by commas (n8n's separator), semicolons, spaces or new lines;
 * - `example.com` matches that host only; `*.example.com` matches its subdomains at any depth,
 *   never `example.com` itself, and never `evil-example.com` (a label boundary is required);
 * - hosts and entries are compared in the form a connection uses: lower case, IDN as punycode
 *   (`bücher.example` = `xn--bcher-kva.example`), one trailing dot ignored, IPv4 in dotted form
 *   (`0x7f.1` = `127.0.0.1`), IPv6 compressed in brackets;
 * - an entry may name a port (`example.com:8443`, `[2001:db8::1]:443`): then only that port;
 *   without a port, any port (as in n8n);
 * - `*.com`, `*` and wildcards anywhere but the first label are refused: they allow too much or
 *   mean nothing.
 */

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };
const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

export interface AllowedDomainRule {
	/** Normalised host: a domain, a dotted IPv4 or a bracketed IPv6. */
	host: string;
	/** `*.host`: subdomains of host only. */
	wildcard: boolean;
	/** Only this port when set; any port when undefined. */
	port?: number;
	/** The entry as written, for messages. */
	text: string;
}

export interface AllowedDomains {
	rules: AllowedDomainRule[];
	/** The entries as written, joined for messages (never secret). */
	display: string;
}

export class AllowedDomainsError extends Error {
	readonly code = 'invalid_allowed_domains';
	constructor(entry: string, why: string) {
		super(`Allowed Domains: "${entry.slice(0, 100)}" ${why}`);
		this.name = 'AllowedDomainsError';
	}
}

/** A URL host as it is connected to: lower case, punycode, no trailing dot. */
function normaliseHost(hostname: string): string {
	return hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
}

function parseEntry(entry: string): AllowedDomainRule {
	const fail = (why: string) => new AllowedDomainsError(entry, why);
	if (/[/?#@\\]/.test(entry) || entry.includes('://')) {
		throw fail('is a URL, not a domain: write example.com or *.example.com (optionally :port)');
	}
	let rest = entry;
	const wildcard = rest.startsWith('*.');
	if (wildcard) rest = rest.slice(2);
	if (rest.includes('*')) throw fail('has a wildcard that is not "*." in front of a domain (write *.example.com)');

	let port: number | undefined;
	const portMatch = /^(\[[^\]]*\]|[^:[\]]*):(\d{1,5})$/.exec(rest);
	if (portMatch) {
		port = Number(portMatch[2]);
		if (port < 1 || port > 65535) throw fail('has a port outside 1-65535');
		rest = portMatch[1];
	}
	if (rest === '') throw fail('has no domain');
	if (!rest.startsWith('[') && rest.includes(':')) {
		// A bare IPv6 address: brackets are what a URL needs, so add them.
		rest = `[${rest}]`;
	}

	let host: string;
	try {
		host = normaliseHost(new URL(`http://${rest}/`).hostname);
	} catch {
		throw fail('is not a valid domain or IP address');
	}
	const isIp = host.startsWith('[') || /^\d+\.\d+\.\d+\.\d+$/.test(host);
	if (isIp) {
		if (wildcard) throw fail('puts a wildcard in front of an IP address');
		return { host, wildcard, port, text: entry };
	}
	const labels = host.split('.');
	if (host.length > 253 || !labels.every((label) => LABEL.test(label))) throw fail('is not a valid domain');
	if (wildcard && labels.length < 2) throw fail('would allow a whole top-level domain: name the domain (*.example.com)');
	return { host, wildcard, port, text: entry };
}

/**
 * Parses the credential field. Empty (or only separators) returns null: any domain, as before
 * the field existed, so saved credentials keep working. A bad entry throws AllowedDomainsError.
 */
export function parseAllowedDomains(text: unknown): AllowedDomains | null {
	if (text === undefined || text === null) return null;
	const entries = String(text)
		.split(/[\s,;]+/)
		.filter((entry) => entry !== '');
	if (entries.length === 0) return null;
	const rules = entries.map((entry) => parseEntry(entry.toLowerCase()));
	return { rules, display: entries.join(', ') };
}

/** Whether `url` (already parsed) may be called under `allowed`; null allows every host. */
export function isUrlAllowed(allowed: AllowedDomains | null, url: URL): boolean {
	if (!allowed) return true;
	const host = normaliseHost(url.hostname);
	if (host === '') return false;
	const port = url.port === '' ? DEFAULT_PORTS[url.protocol] : Number(url.port);
	return allowed.rules.some((rule) => {
		if (rule.port !== undefined && rule.port !== port) return false;
		return rule.wildcard ? host.endsWith(`.${rule.host}`) : host === rule.host;
	});
}
