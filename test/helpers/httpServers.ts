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

interface Listening {
	port: number;
	/** Keep `socket` too, so that close() ends it (e.g. a tunnel's upstream connection). */
	track(socket: net.Socket): void;
	/** Destroys every socket kept (the accepted ones too), then closes the server. */
	close(): Promise<void>;
}

/** Listens on 127.0.0.1:0, keeping every accepted socket so that close() does not wait on keep-alive. */
async function listenOnLoopback(server: net.Server): Promise<Listening> {
	const sockets = new Set<net.Socket>();
	const track = (socket: net.Socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	};
	server.on('connection', track);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as net.AddressInfo;
	return {
		port,
		track,
		close: () =>
			new Promise<void>((resolve) => {
				for (const s of sockets) s.destroy();
				server.close(() => resolve());
			}),
	};
}

/** An HTTP server on 127.0.0.1:0; the handler sees the request number (0-based) and body. */
export async function startServer(handler: Handler): Promise<TestServer> {
	const requests: RecordedRequest[] = [];
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
	server.on('connection', () => connections++);
	server.on('connect', (_req, socket) => socket.destroy());
	const { port, close } = await listenOnLoopback(server);
	const origin = `http://127.0.0.1:${port}`;
	return {
		url: `${origin}/hook`,
		origin,
		port,
		requests,
		connections: () => connections,
		close,
	};
}

/** What a CONNECT proxy does with one CONNECT: tunnel to a port on 127.0.0.1, or refuse with a status. */
export type ConnectAnswer = { tunnelTo: number } | { status: number };

export interface ConnectProxy {
	url: string;
	port: number;
	close(): Promise<void>;
}

/**
 * A CONNECT proxy on 127.0.0.1:0 (plain requests get 405): `answer` decides for each CONNECT
 * whether it is tunnelled to a local port (whatever host was asked for) or refused with a status.
 */
export async function startConnectProxy(answer: (req: http.IncomingMessage) => ConnectAnswer): Promise<ConnectProxy> {
	const server = http.createServer((_req, res) => {
		res.statusCode = 405;
		res.end();
	});
	const listening = await listenOnLoopback(server);
	server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
		const decided = answer(req);
		if ('status' in decided) {
			client.end(`HTTP/1.1 ${decided.status} Refused\r\ncontent-length: 0\r\n\r\n`);
			return;
		}
		const upstream = net.connect(decided.tunnelTo, '127.0.0.1', () => {
			client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
			if (head.length) upstream.write(head);
			upstream.pipe(client);
			client.pipe(upstream);
		});
		listening.track(upstream);
		upstream.on('error', () => client.destroy());
		client.on('error', () => upstream.destroy());
		upstream.on('close', () => client.destroy());
	});
	return { url: `http://127.0.0.1:${listening.port}`, port: listening.port, close: listening.close };
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
	const proxy = await startConnectProxy((req) => {
		connectTargets.push(req.url ?? '');
		return { tunnelTo: tunnelToPort };
	});
	return { url: proxy.url, connectTargets, close: proxy.close };
}

/**
 * Runs `run` with HTTP_PROXY set to a tunnel proxy to `tunnelToPort` (see startTunnelProxy);
 * the proxy is closed afterwards, whatever happens. The caller clears HTTP_PROXY after the test.
 */
export async function withTunnelProxy(tunnelToPort: number, run: (proxy: TestProxy) => Promise<void>): Promise<void> {
	const proxy = await startTunnelProxy(tunnelToPort);
	try {
		process.env.HTTP_PROXY = proxy.url;
		await run(proxy);
	} finally {
		await proxy.close();
	}
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
