/**
 * Jest set-up for the test files that send real requests to 127.0.0.1 through the sender: the
 * loopback guard, servers for a test or for the whole file, and proxy variables cleared. Call
 * these at the top of a file (or a describe block); they register the hooks themselves.
 */
import { closeSenderDispatchers } from '../../nodes/shared/sender';
import { type Handler, installLoopbackGuard, type LoopbackGuard, startServer, type TestServer } from './httpServers';

/**
 * The loopback guard for the whole file (nothing may leave 127.0.0.1). After the file the
 * sender's pools are closed, the guard removed, and no guard violation is allowed. The object
 * returned reads the guard installed for the file.
 */
export function useLoopbackGuard(): LoopbackGuard {
	let guard: LoopbackGuard | undefined;
	beforeAll(() => {
		guard = installLoopbackGuard();
	});
	afterAll(async () => {
		await closeSenderDispatchers();
		guard!.restore();
		expect(guard!.violations).toEqual([]);
	});
	return {
		get connects() {
			return guard!.connects;
		},
		get violations() {
			return guard!.violations;
		},
		restore: () => guard!.restore(),
	};
}

/** Servers a test starts with the function returned; each is closed after its test. */
export function useTestServers(): (handler: Handler) => Promise<TestServer> {
	const servers: TestServer[] = [];
	afterEach(async () => {
		await Promise.all(servers.splice(0).map((server) => server.close()));
	});
	return async (handler) => {
		const started = await startServer(handler);
		servers.push(started);
		return started;
	};
}

/**
 * A server answering with `handler` for the whole file: its recorded requests are cleared before
 * each test and it is closed after the file. The object returned reads the server started.
 */
export function useFileServer(handler: Handler): TestServer {
	let server: TestServer | undefined;
	beforeAll(async () => {
		server = await startServer(handler);
	});
	beforeEach(() => {
		server!.requests.length = 0;
	});
	afterAll(async () => {
		await server!.close();
	});
	return {
		get url() {
			return server!.url;
		},
		get origin() {
			return server!.origin;
		},
		get port() {
			return server!.port;
		},
		get requests() {
			return server!.requests;
		},
		connections: () => server!.connections(),
		close: () => server!.close(),
	};
}

const PROXY_VARIABLES = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY'];

/**
 * No proxy variable for the file: they are removed before it and after each test (a test may
 * set one), and the sender's pools (which keep the proxy they were made with) are closed after
 * each test. The values found are put back after the file.
 */
export function useNoProxyEnvironment(): void {
	const saved: Record<string, string | undefined> = {};
	beforeAll(() => {
		for (const name of PROXY_VARIABLES) {
			saved[name] = process.env[name];
			delete process.env[name];
		}
	});
	afterEach(async () => {
		for (const name of PROXY_VARIABLES) delete process.env[name];
		await closeSenderDispatchers();
	});
	afterAll(() => {
		for (const name of PROXY_VARIABLES) if (saved[name] !== undefined) process.env[name] = saved[name];
	});
}
