'use strict';
// Send Webhook's send-side policies on a real n8n (runs under `node --test`):
// - a credential whose Allowed Domains name another domain refuses to send to a local receiver
//   (the execution fails naming the item and the host, the receiver gets nothing, no secret in
//   what n8n recorded), while a credential that allows the receiver delivers;
// - a Delivery ID stamped by an earlier node survives n8n's Retry of the failed execution, so the
//   receiver sees the same webhook-id twice and can deduplicate;
// - n8n's egress policy (N8N_SSRF_*, n8n 2.x) refuses an address the admin blocked even with the
//   node's Block Private Addresses off; n8n 1.x has no such policy and delivers.
// Receivers are plain Node HTTP servers on 127.0.0.1 and 127.0.0.2 started by this file.

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const http = require('node:http');
const path = require('node:path');
const { startE2E, postWebhook, e2eTest } = require('./harness');
const { vendorHelpers, nodeItems } = require('./vendor-helpers');

const t = e2eTest();
const COLD_TIMEOUT = 15 * 60 * 1000; // first run installs Node 24 + n8n (~4 min)
const CASE_TIMEOUT = 60000;
const FIXTURES = path.join(__dirname, 'fixtures');
const API_KEY = 'e2e-policy-api-key-0123456789';
const WHSEC_KEY = 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

let n8n;
const h = vendorHelpers(() => n8n);
let receiver; // 127.0.0.1: the partner this n8n may call
let internal; // 127.0.0.2: the address the admin's egress policy blocks

/** Records every request (and TCP connection); answers 500 to the first request of a path in `failOnce`. */
function startReceiver(host) {
	const state = { requests: [], connections: 0, failOnce: new Set() };
	const server = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			state.requests.push({ url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
			const failing = state.failOnce.has(req.url);
			state.failOnce.delete(req.url);
			res.writeHead(failing ? 500 : 200, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ received: !failing }));
		});
	});
	server.on('connection', () => state.connections++);
	return new Promise((resolve) =>
		server.listen(0, host, () => {
			const { port } = server.address();
			resolve({
				requests: state.requests,
				get connections() {
					return state.connections;
				},
				failOnce: state.failOnce,
				url: (p) => `http://${host}:${port}${p}`,
				host: `${host}:${port}`,
				close: () => new Promise((r) => server.close(() => r())),
			});
		}),
	);
}

const post = (webhookPath, body) => postWebhook(n8n.webhookUrl(webhookPath), { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
const major = () => Number(String(n8n.n8nVersion).split('.')[0]);

t.before(async () => {
	receiver = await startReceiver('127.0.0.1');
	internal = await startReceiver('127.0.0.2');
	n8n = await startE2E({
		workflows: ['refused', 'allowed', 'retry', 'egress'].map((name) => path.join(FIXTURES, `send-policy-${name}.workflow.json`)),
		credentials: path.join(FIXTURES, 'send-policy-credentials.json'),
		// The admin's policy: only 127.0.0.2 is internal here (the harness itself lives on 127.0.0.1).
		env: { N8N_SSRF_PROTECTION_ENABLED: 'true', N8N_SSRF_BLOCKED_IP_RANGES: '127.0.0.2/32' },
	});
}, COLD_TIMEOUT);

t.after(async () => {
	if (n8n) await n8n.stop();
	if (receiver) await receiver.close();
	if (internal) await internal.close();
}, 60000);

t.test('Allowed Domains: a credential that allows only partner.example.com refuses a local receiver; nothing is sent', async () => {
	const wf = h.workflow('send-policy-refused.workflow.json');
	const before = await h.executionIds(wf.id);
	const requestsBefore = receiver.requests.length;
	const connectionsBefore = receiver.connections;

	const res = await post('e2e-policy-refused', { target: receiver.url('/refused?token=query-secret'), payload: { id: 1 } });
	assert.ok(res.status >= 500, `a failed workflow answers 5xx in lastNode mode: ${res.status} ${res.text}`);

	const [execution] = await h.newExecutions(wf.id, before);
	assert.equal(execution.status, 'error');
	const error = execution.data.resultData.runData['Send Webhook'][0].error;
	assert.equal(error.name, 'NodeOperationError');
	assert.equal(
		error.message,
		`Item 0: ${receiver.host} is not in the credential's Allowed Domains (partner.example.com, *.partner.example.com); nothing was sent`,
	);
	assert.ok(!JSON.stringify(execution.data).includes(API_KEY), 'the API key is nowhere in the recorded execution');
	assert.ok(!error.message.includes('query-secret'));
	assert.equal(receiver.requests.length, requestsBefore, 'the receiver got no request');
	assert.equal(receiver.connections, connectionsBefore, 'the receiver got no connection');
}, CASE_TIMEOUT);

t.test('Allowed Domains: a credential that allows 127.0.0.1 delivers to the same receiver', async () => {
	const wf = h.workflow('send-policy-allowed.workflow.json');
	const before = await h.executionIds(wf.id);
	const requestsBefore = receiver.requests.length;

	const res = await post('e2e-policy-allowed', { target: receiver.url('/allowed'), payload: { id: 2 } });
	assert.equal(res.status, 200, res.text);
	assert.deepEqual(JSON.parse(res.text).body, { received: true });

	const [execution] = await h.newExecutions(wf.id, before);
	assert.equal(execution.status, 'success');
	assert.equal(receiver.requests.length, requestsBefore + 1);
	const sent = receiver.requests.at(-1);
	assert.equal(sent.url, '/allowed');
	assert.equal(sent.headers['x-api-key'], API_KEY);
	assert.deepEqual(JSON.parse(sent.body), { id: 2 });
}, CASE_TIMEOUT);

t.test('Delivery ID: stamped from the execution id by an earlier node, the same after n8n retries the failed execution', async () => {
	const wf = h.workflow('send-policy-retry.workflow.json');
	const before = await h.executionIds(wf.id);
	receiver.failOnce.add('/retry');
	const requestsBefore = receiver.requests.length;

	const res = await post('e2e-policy-retry', { target: receiver.url('/retry'), payload: { order: 7 } });
	assert.ok(res.status >= 500, `${res.status} ${res.text}`);
	const [failed] = await h.newExecutions(wf.id, before);
	assert.equal(failed.status, 'error');

	// n8n's Retry (the editor's button): a NEW execution that keeps the earlier nodes' output.
	const retriedBefore = await h.executionIds(wf.id);
	await n8n.api(`/rest/executions/${failed.id}/retry`, { method: 'POST', body: { loadWorkflow: false } });
	const [retried] = await h.newExecutions(wf.id, retriedBefore);
	assert.equal(retried.status, 'success');
	assert.notEqual(retried.id, failed.id, 'a retry runs as another execution');

	const attempts = receiver.requests.slice(requestsBefore);
	assert.equal(attempts.length, 2);
	const ids = attempts.map((r) => r.headers['webhook-id']);
	assert.deepEqual(ids, [`${failed.id}-0`, `${failed.id}-0`], 'same webhook-id on both sends: the receiver can deduplicate');
	// Both were signed, each with its own timestamp (Standard Webhooks: id.timestamp.body).
	for (const r of attempts) {
		const expected = crypto.createHmac('sha256', Buffer.from(WHSEC_KEY, 'base64')).update(`${r.headers['webhook-id']}.${r.headers['webhook-timestamp']}.${r.body}`).digest('base64');
		assert.equal(r.headers['webhook-signature'], `v1,${expected}`);
	}
	const [out] = nodeItems(retried, 'Send Webhook');
	assert.equal(out.deliveryId, `${failed.id}-0`);
}, CASE_TIMEOUT);

t.test("egress policy: n8n 2.x refuses the address its admin blocked (Block Private Addresses off); n8n 1.x has none and delivers", async () => {
	const wf = h.workflow('send-policy-egress.workflow.json');
	const before = await h.executionIds(wf.id);
	const requestsBefore = internal.requests.length;

	const res = await post('e2e-policy-egress', { target: internal.url('/internal'), payload: { id: 3 } });
	const [execution] = await h.newExecutions(wf.id, before);
	if (major() >= 2) {
		assert.ok(res.status >= 500, `${res.status} ${res.text}`);
		assert.equal(execution.status, 'error');
		const error = execution.data.resultData.runData['Send Webhook'][0].error;
		assert.equal(error.name, 'NodeOperationError');
		assert.match(error.message, new RegExp(`^Item 0: n8n's egress policy \\(N8N_SSRF_\\* settings\\) refuses ${internal.host.replace(/\./g, '\\.')}: `));
		assert.equal(internal.requests.length, requestsBefore, 'the blocked receiver got nothing');
		assert.equal(internal.connections, 0);
	} else {
		assert.equal(res.status, 200, res.text);
		assert.equal(execution.status, 'success');
		assert.equal(internal.requests.length, requestsBefore + 1);
	}
}, CASE_TIMEOUT);
