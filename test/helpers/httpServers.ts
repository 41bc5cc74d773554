/**
 * Local test servers (127.0.0.1, port 0) and a loopback-only safety net for sockets.
 * Tests in this repo may only ever talk to loopback addresses.
 */
import * as dns from 'node:dns';
import * as http from 'node:http';
import * as net from 'node:net';
import { blockedAddressReason, parseIp } from '../../nodes/shared/net';

export interface RecordedRequest {
	method: string;
	url: string;
	headers: http.IncomingHttpHeaders;
	body: Buffer;
}

export interface TestServer {
	url: string;
	origin: string;
	port: number;
	requests: RecordedRequest[];
	/** TCP connections accepted so far. */
	connections(): number;
	close(): Promise<void>;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, index: number, body: Buffer) => void;

/** An HTTP server on 127.0.0.1:0; the handler sees the request number (0-based) and body. */
export async function startServer(handler: Handler): Promise<TestServer> {
	const requests: RecordedRequest[] = [];
	const sockets = new Set<net.Socket>();
	let connections = 0;
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const body = Buffer.concat(chunks);
			const index = requests.length;
			requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
			handler(req, res, index, body);
		});
	});
	server.on('connection', (s) => {
		connections++;
		sockets.add(s);
		s.on('close', () => sockets.delete(s));
	});
	server.on('connect', (_req, socket) => socket.destroy());
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as net.AddressInfo;
	const origin = `http://127.0.0.1:${port}`;
	return {
		url: `${origin}/hook`,
		origin,
		port,
		requests,
		connections: () => connections,
		close: () =>
			new Promise<void>((resolve) => {
				for (const s of sockets) s.destroy();
				server.close(() => resolve());
			}),
	};
}

export interface TestProxy {
	url: string;
	/** CONNECT targets asked for, e.g. 'hooks.example.test:80'. */
	connectTargets: string[];
	close(): Promise<void>;
}

/**
 * A CONNECT proxy that pretends to reach whatever host the client asks for but always tunnels
 * to `tunnelToPort` on 127.0.0.1: tests can use public-looking names without any real traffic.
 */
export async function startTunnelProxy(tunnelToPort: number): Promise<TestProxy> {
	const connectTargets: string[] = [];
	const sockets = new Set<net.Socket>();
	const server = http.createServer((_req, res) => {
		res.statusCode = 405;
		res.end();
	});
	server.on('connection', (s) => {
		sockets.add(s);
		s.on('close', () => sockets.delete(s));
	});
	server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
		connectTargets.push(req.url ?? '');
		const upstream = net.connect(tunnelToPort, '127.0.0.1', () => {
			client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
			if (head.length) upstream.write(head);
			upstream.pipe(client);
			client.pipe(upstream);
		});
		sockets.add(upstream);
		upstream.on('error', () => client.destroy());
		client.on('error', () => upstream.destroy());
		upstream.on('close', () => {
			sockets.delete(upstream);
			client.destroy();
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as net.AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		connectTargets,
		close: () =>
			new Promise<void>((resolve) => {
				for (const s of sockets) s.destroy();
				server.close(() => resolve());
			}),
	};
}

export interface SocketRecord {
	host: string;
	port: number;
}

export interface LoopbackGuard {
	/** Every net.Socket#connect call (host as given: name or address). */
	connects: SocketRecord[];
	/** Destinations refused by the safety net: non-empty means the code under test failed. */
	violations: string[];
	restore(): void;
}

function isLoopback(address: string): boolean {
	const ip = parseIp(address);
	return !!ip && blockedAddressReason(ip) === 'loopback';
}

type AnyLookup = (host: string, opts: dns.LookupOptions, cb: (...a: unknown[]) => void) => void;

/**
 * Patch net.Socket#connect for the duration of a test file: record every attempt and refuse
 * (without any packet) any destination that is not loopback, whether given as an address or
 * produced by a lookup. It is a net under the code under test, not the thing tested.
 */
export function installLoopbackGuard(): LoopbackGuard {
	const proto = net.Socket.prototype as unknown as { connect: (...args: unknown[]) => net.Socket };
	const original = proto.connect;
	const connects: SocketRecord[] = [];
	const violations: string[] = [];

	proto.connect = function patchedConnect(this: net.Socket, ...args: unknown[]): net.Socket {
		let options: Record<string, unknown> | null = null;
		if (Array.isArray(args[0])) options = args[0][0] as Record<string, unknown>;
		else if (args[0] && typeof args[0] === 'object') options = args[0] as Record<string, unknown>;
		else if (typeof args[0] === 'number' || typeof args[0] === 'string') {
			options = null;
			const host = typeof args[1] === 'string' ? args[1] : 'localhost';
			connects.push({ host, port: Number(args[0]) });
			if (parseIp(host) && !isLoopback(host)) return refuse(this, host);
			return original.apply(this, args);
		}
		if (!options || typeof options.path === 'string') return original.apply(this, args);

		const host = String(options.host ?? 'localhost');
		connects.push({ host, port: Number(options.port) });
		const literal = parseIp(host);
		if (literal) {
			if (!isLoopback(host)) return refuse(this, host);
			return original.apply(this, args);
		}
		const inner = (options.lookup as AnyLookup | undefined) ?? (dns.lookup as unknown as AnyLookup);
		options.lookup = ((h: string, o: dns.LookupOptions, cb: (...a: unknown[]) => void) => {
			inner(h, o, (err: unknown, address: unknown, family: unknown) => {
				if (err) return cb(err, address, family);
				const list = Array.isArray(address) ? (address as dns.LookupAddress[]).map((a) => a.address) : [String(address)];
				const bad = list.filter((a) => !isLoopback(a));
				if (bad.length) {
					violations.push(`${h} -> ${bad.join(',')}`);
					return cb(new Error(`test safety net: ${h} resolved to non-loopback ${bad.join(',')}`), '', 0);
				}
				cb(null, address, family);
			});
		}) as AnyLookup;
		return original.apply(this, args);
	};

	function refuse(socket: net.Socket, host: string): net.Socket {
		violations.push(host);
		process.nextTick(() => socket.destroy(new Error(`test safety net: refused non-loopback ${host}`)));
		return socket;
	}

	return {
		connects,
		violations,
		restore: () => {
			proto.connect = original;
		},
	};
}

/** A fake dns.lookup answering fixed addresses for every name, recording the names asked. */
export function fakeLookup(answers: string[] | ((host: string) => string[])): typeof dns.lookup & { calls: string[] } {
	const calls: string[] = [];
	const fn = (host: string, opts: unknown, cb?: unknown) => {
		const callback = (typeof opts === 'function' ? opts : cb) as (...a: unknown[]) => void;
		const o = (typeof opts === 'object' && opts ? opts : {}) as dns.LookupOptions;
		calls.push(host);
		const list = (typeof answers === 'function' ? answers(host) : answers).map((address) => ({
			address,
			family: address.includes(':') ? 6 : 4,
		}));
		process.nextTick(() => {
			if (list.length === 0) {
				const e: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${host}`);
				e.code = 'ENOTFOUND';
				return callback(e, '', 0);
			}
			if (o.all) callback(null, list);
			else callback(null, list[0].address, list[0].family);
		});
	};
	(fn as unknown as { calls: string[] }).calls = calls;
	return fn as unknown as typeof dns.lookup & { calls: string[] };
}
