'use strict';
// Vendor deliveries and assertions shared by the real-n8n suites (vendors.test.js on one
// instance, queue.test.js in queue mode): credentials of the fixtures, delivery builders, the
// "rejected without an execution" proof and the Send Webhook cases.
//
//   const vh = require('./vendor-helpers');
//   const h = vh.vendorHelpers(() => n8n); // n8n: what startE2E returned (read when called)
//   const res = await postWebhook(h.triggerUrl('synchub-failed-sync-alert.json'), vh.synchubDelivery(vh.failedSyncRun('r1')));

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { postWebhook } = require('./harness');
const rt = require('../../scripts/n8n-runtime');

const REPO = path.resolve(__dirname, '..', '..');
const TEMPLATES = path.join(REPO, 'templates');
const FIXTURES = path.join(__dirname, 'fixtures');
const PKG = 'n8n-nodes-vendor-webhooks';
const FINISHED = new Set(['success', 'error', 'crashed', 'canceled']);

const credentialsFile = path.join(FIXTURES, 'vendor-credentials.json');
const credentials = JSON.parse(fs.readFileSync(credentialsFile, 'utf8'));
const cred = (id) => credentials.find((c) => c.id === id).data;
const SYNTHESISVR_TOKEN = cred('vwhSynthesisVr01').token;
const SYNCHUB_SECRET = cred('vwhSynchub000001').secret;
const STD_WH_SECRET = cred('vwhSynchubStdWh1').secret;
const APIRTC = cred('vwhApiRtc0000001');
const ROOMLE = cred('vwhRoomle0000001');
const EVENT_API_KEY = cred('vwhEventHook0001').apiKey;
const HMAC_SECRET = cred('vwhHmacSecret001').secret;

/** test/e2e/fixtures/vendors-*.workflow.json, sorted. */
const fixtureFiles = fs
	.readdirSync(FIXTURES)
	.filter((f) => f.startsWith('vendors-') && f.endsWith('.workflow.json'))
	.sort()
	.map((f) => path.join(FIXTURES, f));

// The package's own signers, from dist/ (read when first used: the harness builds dist/ first).
const createRoomleToken = (opts) => require('../../dist/nodes/shared/roomleToken.js').createRoomleToken(opts);
const signStandardWebhook = (opts) => require('../../dist/nodes/shared/standardWebhooks.js').signStandardWebhook(opts);

/** Helpers bound to one running n8n: `n8n()` returns what startE2E returned. */
function vendorHelpers(n8n) {
	/** A workflow imported for this file, by template/fixture file name or by id. */
	function workflow(key) {
		const wf = n8n().workflows.find((w) => w.id === key || path.basename(w.file) === key);
		assert.ok(wf, `workflow ${key} was not imported (have ${n8n().workflows.map((w) => path.basename(w.file)).join(', ')})`);
		return wf;
	}

	/** The production URL n8n registered for the workflow's single package trigger. */
	function triggerUrl(key) {
		const wf = workflow(key);
		assert.equal(wf.webhookUrls.length, 1, `${key}: ${JSON.stringify(wf.webhookUrls)}`);
		const [hook] = wf.webhookUrls;
		assert.match(hook.url, /\/webhook\/[0-9a-f-]{36}\/webhook$/, `${key}: our triggers live at /webhook/<webhookId>/webhook`);
		return hook.url;
	}

	async function listExecutions(workflowId, includeData = false) {
		const q = new URLSearchParams({ workflowId, limit: '250' });
		if (includeData) q.set('includeData', 'true');
		const { data } = await n8n().api(`/executions?${q}`);
		return data;
	}

	async function executionIds(workflowId) {
		return new Set((await listExecutions(workflowId)).map((e) => e.id));
	}

	/**
	 * Waits until `workflowId` has exactly `count` finished executions that are not in `before`
	 * (oldest first, with data). Seeing MORE than `count` new executions fails at once.
	 */
	async function newExecutions(workflowId, before, { count = 1, timeoutMs = 20000 } = {}) {
		let seen = [];
		try {
			return await rt.poll(
				async () => {
					const fresh = (await listExecutions(workflowId, true)).filter((e) => !before.has(e.id));
					seen = fresh;
					if (fresh.length > count) {
						throw Object.assign(new Error(`expected ${count} new execution(s) of ${workflowId}, found ${fresh.length}`), { fatal: true });
					}
					const done = fresh.filter((e) => FINISHED.has(e.status) || e.finished);
					return done.length === count && done.sort((a, b) => Number(a.id) - Number(b.id));
				},
				{ timeoutMs, intervalMs: 200, what: `${count} new execution(s) of ${workflowId}` },
			);
		} catch (e) {
			e.message += `; new: ${JSON.stringify(seen.map((x) => ({ id: x.id, status: x.status, startedAt: x.startedAt })))}`;
			throw e;
		}
	}

	const synthesisVrUrl = () => `${triggerUrl('synthesisvr-sessions.json')}?token=${encodeURIComponent(SYNTHESISVR_TOKEN)}`;

	/**
	 * Sends the invalid deliveries (each checked by `check(res)`), then one valid delivery, and
	 * proves that the workflow got exactly one new execution: the valid one (`isValid(execution)`).
	 */
	async function rejectedWithoutExecution(workflowKey, invalid, valid, isValid) {
		const wf = workflow(workflowKey);
		const before = await executionIds(wf.id);
		for (const { send, check } of invalid) check(await send());
		const res = await valid();
		assert.ok(res.status >= 200 && res.status < 300, `valid follow-up: ${res.status} ${res.text}`);
		const [execution] = await newExecutions(wf.id, before);
		assert.ok(isValid(execution), `the one new execution is not the valid delivery's: ${JSON.stringify(execution.data?.resultData?.runData)}`);
		// Re-read once more: still exactly one new execution.
		const after = [...(await executionIds(wf.id))].filter((id) => !before.has(id));
		assert.deepEqual(after, [execution.id]);
		return execution;
	}

	/**
	 * Send Webhook case `c` (from SEND_CASES): the sender workflow, reached by its n8n Webhook,
	 * signs and delivers `c.payload()` to the trigger of another workflow of the same n8n, which
	 * verifies it. Returns {sent, received}: the two executions.
	 */
	async function runSendCase(c) {
		const scheme = c.sender ?? c.scheme;
		const sender = workflow(`vendors-send-${scheme}.workflow.json`);
		const target = workflow(c.target);
		const [senderBefore, targetBefore] = await Promise.all([executionIds(sender.id), executionIds(target.id)]);

		const res = await postWebhook(n8n().webhookUrl(`e2e-send-${scheme}`), json({ target: triggerUrl(c.target), eventType: c.eventType, payload: c.payload() }));
		assert.equal(res.status, 200, res.text);
		const answer = parseJson(res.text);
		assert.equal(answer?.ok, true, res.text);
		assert.equal(answer.status, 200, res.text);
		assert.equal(answer.attempts, 1, res.text);
		assert.match(answer.deliveryId, /^msg_[0-9a-f]{32}$/);

		const [sent] = await newExecutions(sender.id, senderBefore);
		assert.equal(sent.status, 'success');
		const [out] = nodeItems(sent, 'Send Webhook');
		assert.equal(out.ok, true, JSON.stringify(out));
		assert.equal(out.status, 200, JSON.stringify(out));
		if (c.target !== 'roomle-share-email.json') assert.deepEqual(out.body, { received: true, accepted: 1, ignored: 0 }, JSON.stringify(out.body));

		const [received] = await newExecutions(target.id, targetBefore);
		assert.equal(received.status, 'success');
		const [item] = nodeItems(received, c.trigger);
		assert.equal(item.meta.verified, true, JSON.stringify(item.meta));
		c.check(item);
		return { sent, received };
	}

	return { workflow, triggerUrl, listExecutions, executionIds, newExecutions, synthesisVrUrl, rejectedWithoutExecution, runSendCase };
}

/** Items a node emitted on its first output in the first run. */
function nodeItems(execution, nodeName) {
	const runs = execution.data?.resultData?.runData?.[nodeName];
	assert.ok(runs, `node "${nodeName}" did not run; ran: ${Object.keys(execution.data?.resultData?.runData ?? {}).join(', ')}`);
	return runs[0].data.main[0].map((item) => item.json);
}

function parseJson(text) {
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}

/** Asserts a rejection answer: the status and our short JSON reason `{error, message}`. */
function assertRejected(res, status, error) {
	assert.equal(res.status, status, res.text);
	const body = parseJson(res.text);
	assert.ok(body && typeof body === 'object', `expected a JSON reason, got ${res.text}`);
	assert.deepEqual(Object.keys(body).sort(), ['error', 'message'], res.text);
	assert.equal(body.error, error, res.text);
	assert.equal(typeof body.message, 'string');
	assert.ok(body.message.length > 0);
	return body;
}

function assertAccepted(res, accepted = 1) {
	assert.equal(res.status, 200, res.text);
	assert.deepEqual(parseJson(res.text), { received: true, accepted, ignored: 0 });
}

const json = (value) => ({ body: JSON.stringify(value), headers: { 'content-type': 'application/json' } });
const hmacHex = (secret, body) => crypto.createHmac('sha256', secret).update(body).digest('hex');
const nowSec = () => Math.floor(Date.now() / 1000);

// Vendor bodies --------------------------------------------------------------------------------

const SYNTHESISVR_BATCH = [
	{ uuid: '41509791-3de8-5bb9-b4fc-a9753da95aad', action: 'create', location: 'Kamen Test', stations: 1, customerid: 7685 },
	{ uuid: '41509791-3de8-5bb9-b4fc-a9753da95aad', action: 'delete', location: 'Kamen Test', stations: 1, customerid: 7685 },
	{ uuid: '0c6f1f57-7a43-4d35-9d4f-3f0d1c1e2b11', action: 'create', location: 'Second Room', stations: 4, customerid: 42 },
];

/** One documented SynthesisVR session event (create/delete events carry all five fields). */
const svrSession = (uuid, action = 'create') => ({ uuid, action, location: 'E2E Room', stations: 2, customerid: 7 });

const failedSyncRun = (runId) => ({
	event: 'sync_run.completed',
	endpoint: 'orders-endpoint',
	runId,
	status: 'failed',
	error: 'Upstream timeout',
	finishedAt: new Date().toISOString(),
});
function synchubDelivery(payload) {
	const body = JSON.stringify(payload);
	return { body, headers: { 'content-type': 'application/json', 'x-synchub-signature': hmacHex(SYNCHUB_SECRET, body) } };
}

const apiRtcTicket = (objectId, state) => ({ event: 'update', time: 1575976413, object: 'ticket', objectId, props: { state } });
const apiRtcHeaders = { 'content-type': 'application/JSON', [APIRTC.headerName]: APIRTC.secret, 'user-agent': 'Cloud Apizee' };

const roomleEvent = (data) => ({ event: 'email.shareConfiguration', data: { configurationId: 'usm:frame:E2E', url: 'https://example.com/c/E2E', ...data } });
const roomleToken = (extra = {}) => createRoomleToken({ secret: ROOMLE.secret, apiKey: ROOMLE.apiKey, date: new Date(), ...extra });

const genericEvent = (eventType, data) => ({ event_time: 1700000000, event_type: eventType, current_context: { tenant: 'e2e' }, data });
/** A GitHub delivery as GitHub sends it: X-Hub-Signature-256 over the exact body, event and delivery GUID headers. */
function githubDelivery(event, payload, { secret = HMAC_SECRET, delivery = crypto.randomUUID() } = {}) {
	const body = JSON.stringify(payload);
	return {
		body,
		headers: {
			'content-type': 'application/json',
			'x-github-event': event,
			'x-github-delivery': delivery,
			'x-hub-signature-256': `sha256=${hmacHex(secret, body)}`,
			'user-agent': 'GitHub-Hookshot/e2e',
		},
	};
}

const eventWebhookDelivery = (payload, key = EVENT_API_KEY) => ({
	body: JSON.stringify(payload),
	headers: { 'content-type': 'application/json', 'x-api-key': key },
});

// templates/dedup-redelivery.json, in either mode --------------------------------------------

/**
 * The same event delivered twice starts two executions, but the node after *Remove Duplicates*
 * sees it once; another event passes. `h` is a vendorHelpers(); `url` the trigger's production
 * URL. Returns the three executions (first, re-delivery, other event).
 */
async function dedupRedelivery(h, url, { postWebhook }) {
	const wf = h.workflow('dedup-redelivery.json');
	const run = Date.now().toString(36);
	const event = eventWebhookDelivery(genericEvent('order.created', { orderId: `dedup-${run}-1` }));
	const other = eventWebhookDelivery(genericEvent('order.created', { orderId: `dedup-${run}-2` }));
	const executions = [];
	// One at a time: each delivery's execution has finished before the next one is sent.
	for (const delivery of [event, event, other]) {
		const before = await h.executionIds(wf.id);
		assertAccepted(await postWebhook(url, delivery));
		executions.push(...(await h.newExecutions(wf.id, before)));
	}
	const [first, again, next] = executions;
	for (const e of executions) assert.equal(e.status, 'success', JSON.stringify(e.data?.resultData?.error ?? null));

	const key = nodeItems(first, 'Event Webhook Trigger')[0].meta.dedupKey;
	assert.equal(nodeItems(again, 'Event Webhook Trigger')[0].meta.dedupKey, key, 'a re-delivery has the same dedupKey');
	assert.deepEqual(nodeItems(first, 'Event summary').map((i) => [i.dedupKey, i.data.orderId]), [[key, `dedup-${run}-1`]]);
	// The re-delivery ran the trigger and the dedup step, which let nothing through.
	assert.deepEqual(nodeItems(again, 'Skip re-deliveries'), []);
	assert.equal(again.data.resultData.runData['Event summary'], undefined, 'Event summary ran for the re-delivery');

	const otherKey = nodeItems(next, 'Event Webhook Trigger')[0].meta.dedupKey;
	assert.notEqual(otherKey, key);
	assert.deepEqual(nodeItems(next, 'Event summary').map((i) => [i.dedupKey, i.data.orderId]), [[otherKey, `dedup-${run}-2`]]);
	return executions;
}

// Send Webhook → another workflow's trigger in the same n8n, one case per signing scheme ----------

const SEND_CASES = [
	{
		scheme: 'hmac',
		target: 'synchub-failed-sync-alert.json',
		trigger: 'SYNCHUB Trigger',
		payload: () => failedSyncRun('run-e2e-sent-hmac'),
		check: (item) => {
			assert.equal(item.runId, 'run-e2e-sent-hmac');
			assert.equal(item.meta.verification.method, 'hmac');
			assert.equal(item.meta.outcome, 'failure');
		},
	},
	{
		scheme: 'standard-webhooks',
		target: 'vendors-synchub-standard-webhooks.workflow.json',
		trigger: 'SYNCHUB Trigger',
		payload: () => ({ event: 'sync_run.completed', runId: 'run-e2e-sent-stdwh', status: 'succeeded' }),
		check: (item) => {
			assert.equal(item.runId, 'run-e2e-sent-stdwh');
			assert.equal(item.meta.verification.method, 'standardWebhooks');
		},
	},
	{
		scheme: 'roomle-token',
		target: 'roomle-share-email.json',
		trigger: 'Roomle Trigger',
		payload: () => roomleEvent({ email: 'sent-by-n8n@example.com' }),
		check: (item) => {
			assert.equal(item.data.email, 'sent-by-n8n@example.com');
			assert.equal(item.meta.verification.method, 'roomleToken');
			assert.equal(item.meta.verification.algorithm, '02');
		},
	},
	{
		scheme: 'api-key-header',
		target: 'event-webhook-router.json',
		trigger: 'Event Webhook Trigger',
		eventType: 'order.sent-by-header',
		payload: () => ({ orderId: 'hdr' }),
		check: (item) => {
			assert.equal(item.event_type, 'order.sent-by-header');
			assert.deepEqual(item.data, { orderId: 'hdr' });
			assert.deepEqual(item.current_context, { source: 'e2e' });
			assert.deepEqual(item.meta.verification, { method: 'apiKey', source: 'header', keyIndex: 0 });
		},
	},
	{
		scheme: 'api-key-bearer',
		target: 'event-webhook-router.json',
		trigger: 'Event Webhook Trigger',
		eventType: 'order.sent-by-bearer',
		payload: () => ({ orderId: 'bearer' }),
		check: (item) => {
			assert.equal(item.event_type, 'order.sent-by-bearer');
			assert.deepEqual(item.meta.verification, { method: 'apiKey', source: 'bearer', keyIndex: 0 });
		},
	},
	{
		scheme: 'custom-header',
		target: 'apirtc-ticket-state.json',
		trigger: 'ApiRTC Trigger',
		payload: () => apiRtcTicket(4242, 'done'),
		check: (item) => {
			assert.equal(item.objectId, 4242);
			assert.deepEqual(item.meta.verification, { method: 'customHeader', header: APIRTC.headerName });
		},
	},
	// Every signature preset: Send Webhook 1.3 signs as the vendor does, the Signed Webhook Trigger verifies.
	...[
		{ scheme: 'github', target: 'github-route-by-event.json', eventType: 'issues', payload: { action: 'opened', issue: { number: 42, title: 'Sent by n8n', html_url: 'x' } }, type: 'issues' },
		{ scheme: 'stripe', payload: { id: 'evt_e2e_1', type: 'invoice.paid', data: { object: { id: 'in_1' } } }, type: 'invoice.paid' },
		{ scheme: 'shopify', eventType: 'orders/create', payload: { id: 4242, email: 'buyer@example.com' }, type: 'orders/create' },
		{ scheme: 'slack', payload: { type: 'event_callback', event_id: 'Ev_e2e_1', event: { type: 'app_mention', text: 'hi' } }, type: 'app_mention' },
		{ scheme: 'custom', payload: { kind: 'thing.happened', id: 1 }, type: 'thing.happened' },
		{ scheme: 'standard-webhooks-preset', sender: 'standard-webhooks', payload: { type: 'user.created', data: { id: 'u_e2e' } }, type: 'user.created' },
	].map(({ scheme, sender, target, eventType, payload, type }) => ({
		scheme,
		sender,
		target: target ?? `vendors-signed-${sender ?? scheme}.workflow.json`,
		trigger: 'Signed Webhook Trigger',
		eventType,
		payload: () => payload,
		check: (item) => {
			const preset = { 'standard-webhooks': 'standardWebhooks' }[sender] ?? scheme;
			assert.equal(item.meta.verification.preset, preset, JSON.stringify(item.meta));
			assert.equal(item.meta.eventType, type, JSON.stringify(item.meta));
			assert.deepEqual(Object.fromEntries(Object.entries(item).filter(([k]) => k !== 'meta')), payload);
		},
	})),
];

module.exports = {
	githubDelivery,
	HMAC_SECRET,
	vendorHelpers,
	svrSession,
	dedupRedelivery,
	REPO,
	TEMPLATES,
	FIXTURES,
	PKG,
	FINISHED,
	credentialsFile,
	credentials,
	fixtureFiles,
	SYNTHESISVR_TOKEN,
	SYNCHUB_SECRET,
	STD_WH_SECRET,
	APIRTC,
	ROOMLE,
	EVENT_API_KEY,
	createRoomleToken,
	signStandardWebhook,
	nodeItems,
	parseJson,
	assertRejected,
	assertAccepted,
	json,
	hmacHex,
	nowSec,
	SYNTHESISVR_BATCH,
	failedSyncRun,
	synchubDelivery,
	apiRtcTicket,
	apiRtcHeaders,
	roomleEvent,
	roomleToken,
	genericEvent,
	eventWebhookDelivery,
	SEND_CASES,
};
