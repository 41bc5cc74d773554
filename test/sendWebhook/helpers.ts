import type { ICredentialDataDecryptedObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { SendWebhook } from '../../nodes/SendWebhook/SendWebhook.node';
import { type ActionNodeRunResult, runActionNode, type TestRequest } from '../helpers/n8n';
import type { Handler, RecordedRequest, TestServer } from '../helpers/httpServers';
import { useFileServer, useLoopbackGuard } from '../helpers/loopbackSuite';

export const sendWebhook = new SendWebhook();

export interface SendOptions {
	parameters: INodeParameters;
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	items: unknown[];
	continueOnFail?: boolean;
	signal?: AbortSignal;
	/** The node's typeVersion; the newest one when omitted. */
	typeVersion?: number;
}

/** Runs the Send Webhook node in a real in-process workflow with the given input items. */
export async function send(opts: SendOptions): Promise<ActionNodeRunResult> {
	return await runActionNode({
		node: sendWebhook,
		parameters: opts.parameters,
		credentials: opts.credentials,
		inputItems: opts.items.map((json) => ({ json }) as INodeExecutionData),
		continueOnFail: opts.continueOnFail,
		signal: opts.signal,
		typeVersion: opts.typeVersion,
	});
}

/** The node's output items' json; fails the test if the node failed. */
export function outputOf(result: ActionNodeRunResult): Array<Record<string, any>> {
	expect(result.error).toBeUndefined();
	expect(result.status).toBe('success');
	return (result.outputItems[0] ?? []).map((item) => item.json as Record<string, any>);
}

/** Flattens Node's IncomingHttpHeaders into single strings (what a webhook server hands a trigger). */
export function flatHeaders(headers: RecordedRequest['headers']): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [name, value] of Object.entries(headers)) {
		if (value === undefined) continue;
		out[name] = Array.isArray(value) ? value.join(', ') : value;
	}
	return out;
}

/** The captured request, replayed as-is (same method, headers and raw bytes) into a trigger. */
export function replay(captured: RecordedRequest): TestRequest {
	return { method: captured.method, headers: flatHeaders(captured.headers), body: captured.body };
}

const acknowledge: Handler = (_req, res) => {
	res.writeHead(200, { 'content-type': 'application/json' });
	res.end('{"received":true}');
};

/**
 * A loopback receiver for the whole test file: the loopback guard (nothing may leave
 * 127.0.0.1), a server answering with `handler` (200 {"received":true} by default), its requests
 * cleared before each test, and after the file the server, the sender's pools and the guard
 * closed, with no guard violation allowed.
 */
export function useReceiver(handler: Handler = acknowledge): { readonly server: TestServer } {
	useLoopbackGuard();
	const server = useFileServer(handler);
	return { server };
}
