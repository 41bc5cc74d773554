/**
 * n8n's instance egress policy, end to end in-process: n8n-core 2.41's real
 * `helpers.getSecureEgressFilter()` (its SsrfProtectionService, configured from N8N_SSRF_* like
 * an instance) in front of the Send Webhook node, against real loopback servers. 127.0.0.2 is
 * the "internal" address the admin blocks; 127.0.0.1 stays allowed so the harness can work.
 */
// Read by n8n's config when the egress filter is first asked for (this file's own module registry).
process.env.N8N_SSRF_PROTECTION_ENABLED = 'true';
process.env.N8N_SSRF_BLOCKED_IP_RANGES = '127.0.0.2/32';
process.env.N8N_SSRF_BLOCKED_HOSTNAMES = '*.internal.test';

import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

import { NodeOperationError, type INode } from 'n8n-workflow';

import { instanceEgressFilter } from '../../nodes/SendWebhook/senderSettings';
import { useFileServer, useLoopbackGuard } from '../helpers/loopbackSuite';
import { outputOf, send } from './helpers';

const guard = useLoopbackGuard();
const allowed = useFileServer((_req, res) => res.end('reached'));
let internal: { url: string; requests: number; connections: number; close(): Promise<void> };

/** An HTTP server on 127.0.0.2 (Linux routes all of 127/8 to loopback). */
async function startInternalServer(): Promise<typeof internal> {
	const state = { requests: 0, connections: 0 };
	const server = http.createServer((_req, res) => {
		state.requests++;
		res.end('internal reached');
	});
	server.on('connection', () => state.connections++);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.2:${port}/hook`,
		get requests() {
			return state.requests;
		},
		get connections() {
			return state.connections;
		},
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

beforeAll(async () => {
	internal = await startInternalServer();
});
afterAll(async () => {
	await internal.close();
	delete process.env.N8N_SSRF_PROTECTION_ENABLED;
	delete process.env.N8N_SSRF_BLOCKED_IP_RANGES;
	delete process.env.N8N_SSRF_BLOCKED_HOSTNAMES;
});

describe('n8n 2.x egress policy present (N8N_SSRF_PROTECTION_ENABLED)', () => {
	it('an address the admin blocks is refused even with Block Private Addresses off: NodeOperationError naming item and host, nothing sent', async () => {
		const result = await send({
			parameters: { url: `={{ $json.n === 1 ? '${internal.url}' : '${allowed.url}' }}`, options: { blockPrivateAddresses: false, concurrency: 1 } },
			items: [{ n: 0 }, { n: 1 }],
		});
		expect(result.error?.name).toBe('NodeOperationError');
		expect(result.error?.message).toMatch(
			/^Item 1: n8n's egress policy \(N8N_SSRF_\* settings\) refuses 127\.0\.0\.2:\d+: The request was blocked because it resolves to a restricted IP address; nothing was sent$/,
		);
		expect(internal.requests).toBe(0);
		expect(internal.connections).toBe(0);
	});

	it('with Continue On Fail the refused item is ok:false (egress_blocked) and the allowed one is delivered', async () => {
		const before = allowed.requests.length;
		const output = outputOf(
			await send({
				parameters: { url: `={{ $json.n === 1 ? '${internal.url}' : '${allowed.url}' }}`, options: { blockPrivateAddresses: false } },
				items: [{ n: 0 }, { n: 1 }],
				continueOnFail: true,
			}),
		);
		expect(output.map((item) => item.ok)).toEqual([true, false]);
		expect(output[1].error.code).toBe('egress_blocked');
		expect(allowed.requests.length - before).toBe(1);
		expect(internal.requests).toBe(0);
	});

	it('a host name on the admin\'s deny-list (N8N_SSRF_BLOCKED_HOSTNAMES) is refused before any DNS lookup', async () => {
		const connects = guard.connects.length;
		const result = await send({ parameters: { url: 'http://hooks.internal.test/hook', options: { blockPrivateAddresses: false } }, items: [{}] });
		expect(result.error?.name).toBe('NodeOperationError');
		expect(result.error?.message).toBe(
			"Item 0: n8n's egress policy (N8N_SSRF_* settings) refuses hooks.internal.test: The request was blocked because the destination hostname is restricted; nothing was sent",
		);
		expect(guard.connects.length).toBe(connects);
	});

	it('an address the admin allows is delivered, and Block Private Addresses still refuses it when on', async () => {
		const output = outputOf(await send({ parameters: { url: allowed.url, options: { blockPrivateAddresses: false } }, items: [{}] }));
		expect(output[0]).toMatchObject({ ok: true, status: 200, body: 'reached' });

		const blocked = await send({ parameters: { url: allowed.url }, items: [{}] });
		expect(blocked.error?.message).toContain('loopback address; private and internal addresses are blocked');
	});
});

describe('instanceEgressFilter: feature detection', () => {
	const node = { name: 'Send Webhook' } as INode;
	const getNode = () => node;

	it('n8n 1.x (no getSecureEgressFilter helper): none, and the node works as before', () => {
		expect(instanceEgressFilter({ helpers: {} as never, getNode })).toBeUndefined();
	});

	it('a helper that returns something else than a filter is ignored', () => {
		expect(instanceEgressFilter({ helpers: { getSecureEgressFilter: () => undefined } as never, getNode })).toBeUndefined();
		expect(instanceEgressFilter({ helpers: { getSecureEgressFilter: () => ({ validateUrl: 1 }) } as never, getNode })).toBeUndefined();
	});

	it('a helper that throws fails closed, with a NodeOperationError', () => {
		const helpers = {
			getSecureEgressFilter: () => {
				throw new Error('container not ready');
			},
		};
		expect(() => instanceEgressFilter({ helpers: helpers as never, getNode })).toThrow(NodeOperationError);
		expect(() => instanceEgressFilter({ helpers: helpers as never, getNode })).toThrow("n8n's egress policy could not be read: container not ready");
	});

	it('a filter is passed on as it is (n8n keeps `this` on it)', () => {
		const filter = { validateUrl: async () => ({ ok: true as const }), createSecureLookup: () => (() => undefined) as never };
		expect(instanceEgressFilter({ helpers: { getSecureEgressFilter: () => filter } as never, getNode })).toBe(filter);
	});
});
