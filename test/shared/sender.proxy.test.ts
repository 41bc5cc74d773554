/**
 * The pinned proxy tunnel (HTTP_PROXY / HTTPS_PROXY with addresses judged): TLS inside the
 * tunnel keeps the host name (SNI, certificate check), proxy refusals are clear and never print
 * the proxy's credentials, and the proxy's own address is never judged (it is the operator's).
 * Real sockets only: a local CONNECT proxy and local HTTP/TLS servers on 127.0.0.1.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';

import { closeSenderDispatchers, deliver, type DeliveryRequest, type SenderOptions } from '../../nodes/shared/sender';
import { fakeLookup, startConnectProxy } from '../helpers/httpServers';
import { useFileServer, useLoopbackGuard, useNoProxyEnvironment } from '../helpers/loopbackSuite';

interface Proxy {
	url: string;
	port: number;
	requests: Array<{ target: string; authorization?: string }>;
	close(): Promise<void>;
}

/** A CONNECT proxy: answers `status` (200 tunnels to `tunnelTo` on 127.0.0.1), records what was asked. */
async function startProxy(options: { status?: number; tunnelTo?: number; auth?: string } = {}): Promise<Proxy> {
	const requests: Proxy['requests'] = [];
	const proxy = await startConnectProxy((req) => {
		const authorization = req.headers['proxy-authorization'];
		requests.push({ target: req.url ?? '', authorization });
		const status = options.auth !== undefined && authorization !== options.auth ? 407 : (options.status ?? 200);
		return status !== 200 || options.tunnelTo === undefined ? { status } : { tunnelTo: options.tunnelTo };
	});
	return { ...proxy, requests };
}

function req(url: string): DeliveryRequest {
	return { url, method: 'POST', deliveryId: 'msg_proxy', prepare: () => ({ headers: {}, body: Buffer.from('{}') }) };
}

const opts = (o: Partial<SenderOptions> = {}): Partial<SenderOptions> => ({
	blockPrivateAddresses: true,
	attempts: 1,
	totalTimeoutMs: 5000,
	lookup: fakeLookup(['93.184.216.34']),
	...o,
});

useNoProxyEnvironment();
useLoopbackGuard();
const local = useFileServer((_req, res) => res.end('reached'));

describe('HTTPS inside the pinned tunnel', () => {
	let dir: string;
	let server: tls.Server;
	let port: number;
	const serverNames: string[] = [];

	beforeAll(async () => {
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sender-proxy-tls-'));
		execFileSync('openssl', [
			'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=hooks.example.test',
			'-addext', 'subjectAltName=DNS:hooks.example.test',
			'-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
		], { stdio: 'ignore' });
		const context = tls.createSecureContext({ key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')) });
		server = tls.createServer({
			SNICallback: (name, callback) => {
				serverNames.push(name);
				callback(null, context);
			},
		});
		server.on('tlsClientError', () => undefined);
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		port = (server.address() as net.AddressInfo).port;
	});
	afterAll(async () => {
		await new Promise<void>((resolve) => server.close(() => resolve()));
		fs.rmSync(dir, { recursive: true, force: true });
	});

	it('the tunnel goes to the checked address; TLS sends the host name (SNI) and verifies the certificate', async () => {
		const proxy = await startProxy({ tunnelTo: port });
		try {
			process.env.HTTPS_PROXY = proxy.url;
			const out = await deliver(req('https://hooks.example.test/hook'), opts());
			expect(proxy.requests.map((r) => r.target)).toEqual(['93.184.216.34:443']);
			expect(serverNames).toEqual(['hooks.example.test']);
			// The certificate is self-signed: refused, which proves it is checked (no rejectUnauthorized: false).
			expect(out).toMatchObject({ ok: false, error: { code: 'network' } });
			expect(out.error?.message).toMatch(/TLS certificate of hooks\.example\.test rejected|SELF_SIGNED/);
		} finally {
			await proxy.close();
		}
	});
});

describe('proxy answers', () => {
	it('a proxy that refuses CONNECT to the address: not retried, names the proxy by host:port and says what to do', async () => {
		const proxy = await startProxy({ status: 403 });
		try {
			process.env.HTTP_PROXY = `http://proxyuser:proxy-pass-secret@127.0.0.1:${proxy.port}`;
			const out = await deliver(req('http://hooks.example.test/'), opts({ attempts: 3, backoffBaseMs: 1, backoffCapMs: 1 }));
			expect(out).toMatchObject({ ok: false, attempts: 1, error: { code: 'network' } });
			expect(out.error?.message).toContain(`the proxy 127.0.0.1:${proxy.port} answered 403 to CONNECT 93.184.216.34:80`);
			expect(out.error?.message).toContain('NO_PROXY');
			expect(out.error?.message).not.toContain('proxy-pass-secret');
			expect(out.error?.message).not.toContain('proxyuser');
			expect(proxy.requests).toHaveLength(1);
		} finally {
			await proxy.close();
		}
	});

	it('a proxy error (502) is retried', async () => {
		const proxy = await startProxy({ status: 502 });
		try {
			process.env.HTTP_PROXY = proxy.url;
			const out = await deliver(req('http://hooks.example.test/'), opts({ attempts: 2, backoffBaseMs: 1, backoffCapMs: 1 }));
			expect(out).toMatchObject({ ok: false, attempts: 2, error: { code: 'network' } });
			expect(proxy.requests).toHaveLength(2);
		} finally {
			await proxy.close();
		}
	});

	it('user:password in the proxy URL is sent as Proxy-Authorization on CONNECT (and 407 is explained)', async () => {
		const expected = `Basic ${Buffer.from('user:p@ss word').toString('base64')}`;
		const proxy = await startProxy({ tunnelTo: local.port, auth: expected });
		try {
			process.env.HTTP_PROXY = `http://user:${encodeURIComponent('p@ss word')}@127.0.0.1:${proxy.port}`;
			const out = await deliver(req('http://hooks.example.test/auth'), opts());
			expect(out).toMatchObject({ ok: true, body: 'reached' });
			expect(proxy.requests[0]).toEqual({ target: '93.184.216.34:80', authorization: expected });

			await closeSenderDispatchers();
			process.env.HTTP_PROXY = `http://user:wrong@127.0.0.1:${proxy.port}`;
			const refused = await deliver(req('http://hooks.example.test/auth'), opts());
			expect(refused.error?.message).toContain('proxy authentication required');
			expect(refused.error?.message).not.toContain('wrong');
		} finally {
			await proxy.close();
		}
	});

	it('an unreachable proxy is a retried network error naming the proxy, not the target', async () => {
		const proxy = await startProxy();
		await proxy.close(); // nothing listens there any more
		process.env.HTTP_PROXY = proxy.url;
		const out = await deliver(req('http://hooks.example.test/'), opts({ attempts: 2, backoffBaseMs: 1, backoffCapMs: 1 }));
		expect(out).toMatchObject({ ok: false, attempts: 2, error: { code: 'network' } });
		expect(out.error?.message).toContain(`could not open a tunnel through the proxy 127.0.0.1:${proxy.port}`);
	});

	it('the connect timeout covers resolving, CONNECT and TLS', async () => {
		// A proxy that accepts the connection and never answers CONNECT.
		const held: net.Socket[] = [];
		const silent = net.createServer((socket) => held.push(socket));
		await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
		try {
			process.env.HTTP_PROXY = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
			const t0 = Date.now();
			const out = await deliver(req('http://hooks.example.test/'), opts({ connectTimeoutMs: 300 }));
			expect(out.error?.code).toBe('timeout');
			expect(out.error?.message).toContain('within 300 ms');
			expect(Date.now() - t0).toBeLessThan(300 + 1500);
		} finally {
			for (const socket of held) socket.destroy();
			await new Promise<void>((resolve) => silent.close(() => resolve()));
		}
	});

	it('the proxy may live on a private address: only the target is judged', async () => {
		const proxy = await startProxy({ tunnelTo: local.port });
		try {
			// 127.0.0.1 would be refused as a target with blocking on; as the proxy it is the operator's choice.
			process.env.HTTP_PROXY = proxy.url;
			const out = await deliver(req('http://hooks.example.test/private-proxy'), opts());
			expect(out.ok).toBe(true);
		} finally {
			await proxy.close();
		}
	});
});
