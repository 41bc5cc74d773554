'use strict';
// Every vendor trigger and Send Webhook on ONE real n8n: all templates/*.json plus the
// test/e2e/fixtures/vendors-*.workflow.json fixtures are imported and activated, real HTTP
// deliveries go to the production URLs n8n registered, and the results are read back through
// n8n's public API. Runs under `node --test`.
//
// "No execution" is proven without sleeping: after a rejected delivery, a valid one is sent to
// the same workflow, and once ITS execution has finished the workflow must have exactly one new
// execution, and it must be the valid one (a rejected delivery, answered first, would have
// started its execution first).

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { startE2E, postWebhook, e2eTest } = require('./harness');
const rt = require('../../scripts/n8n-runtime');

const t = e2eTest();
const COLD_TIMEOUT = 15 * 60 * 1000; // first run installs Node 24 + n8n (~4 min)
const CASE_TIMEOUT = 60000;

const REPO = path.resolve(__dirname, '..', '..');
const TEMPLATES = path.join(REPO, 'templates');
const FIXTURES = path.join(__dirname, 'fixtures');
const PKG = 'n8n-nodes-vendor-webhooks';
const FINISHED = new Set(['success', 'error', 'crashed', 'canceled']);

const credentials = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'vendor-credentials.json'), 'utf8'));
const cred = (id) => credentials.find((c) => c.id === id).data;
const SYNTHESISVR_TOKEN = cred('vwhSynthesisVr01').token;
const SYNCHUB_SECRET = cred('vwhSynchub000001').secret;
const STD_WH_SECRET = cred('vwhSynchubStdWh1').secret;
const APIRTC = cred('vwhApiRtc0000001');
const ROOMLE = cred('vwhRoomle0000001');
const EVENT_API_KEY = cred('vwhEventHook0001').apiKey;

/** Roomle REST API docs ("Authentication"): the published example token and what it encrypts. */
const ROOMLE_PUBLISHED = {
	secret: 'a-Secr3t_Str1ng!',
	apiKey: 'aValidApiKey',
	sessionToken: 'aSessionToken',
	issuedAt: '2020-12-31T23:00:00.000Z',
	token: '02-jOi87tgUadH3EGwcs/FPR44LlPEVoayzgkkkzmMbPwz50gNngNxgX8aNmNZ1SMAy31j1qsB9RvlF1RxiILGYDQ==',
};

const fixtureFiles = fs
	.readdirSync(FIXTURES)
	.filter((f) => f.startsWith('vendors-') && f.endsWith('.workflow.json'))
	.sort()
	.map((f) => path.join(FIXTURES, f));

let n8n;
let createRoomleToken;
let signStandardWebhook;
const timings = {};

t.before(async () => {
	n8n = await startE2E({ workflows: [TEMPLATES, ...fixtureFiles], credentials: path.join(FIXTURES, 'vendor-credentials.json') });
	// Required after startE2E: without N8N_E2E_SKIP_BUILD the harness builds dist/ first.
	({ createRoomleToken } = require('../../dist/nodes/shared/roomleToken.js'));
	({ signStandardWebhook } = require('../../dist/nodes/shared/standardWebhooks.js'));
}, COLD_TIMEOUT);

t.after(async () => {
	if (n8n) await n8n.stop();
	if (Object.keys(timings).length) process.stderr.write(`[vendors.test] ${JSON.stringify(timings)}\n`);
}, 60000);

// ---------------------------------------------------------------------------------------------
// helpers

/** A workflow imported for this file, by template/fixture file name or by id. */
function workflow(key) {
	const wf = n8n.workflows.find((w) => w.id === key || path.basename(w.file) === key);
	assert.ok(wf, `workflow ${key} was not imported (have ${n8n.workflows.map((w) => path.basename(w.file)).join(', ')})`);
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
	const { data } = await n8n.api(`/executions?${q}`);
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
const synthesisVrUrl = () => `${triggerUrl('synthesisvr-sessions.json')}?token=${encodeURIComponent(SYNTHESISVR_TOKEN)}`;

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
const eventWebhookDelivery = (payload, key = EVENT_API_KEY) => ({
	body: JSON.stringify(payload),
	headers: { 'content-type': 'application/json', 'x-api-key': key },
});

// ---------------------------------------------------------------------------------------------
// 0. setup sanity

t.test('every template and vendors fixture is imported, activated and registered', async () => {
	const files = fs.readdirSync(TEMPLATES).filter((f) => f.endsWith('.json'));
	for (const f of files) assert.ok(workflow(f).hasWebhooks, f);
	for (const f of fixtureFiles) assert.ok(workflow(path.basename(f)).webhookUrls.length >= 1, f);
	const { data } = await n8n.api('/workflows?limit=250');
	const active = new Set(data.filter((w) => w.active).map((w) => w.id));
	for (const wf of n8n.workflows) assert.ok(active.has(wf.id), `${wf.name} is not active`);
	// Our triggers: /webhook/<the node's webhookId>/webhook.
	const template = JSON.parse(fs.readFileSync(path.join(TEMPLATES, 'synthesisvr-sessions.json'), 'utf8'));
	const node = template.nodes.find((n) => n.type === `${PKG}.synthesisVrTrigger`);
	assert.equal(triggerUrl('synthesisvr-sessions.json'), `${n8n.baseUrl}/webhook/${node.webhookId}/webhook`);
}, CASE_TIMEOUT);

// ---------------------------------------------------------------------------------------------
// 1. valid deliveries → one successful execution each, with the expected items

t.test('SynthesisVR template: a batch of 3 events with ?token= → 3 items after the trigger', async () => {
	const wf = workflow('synthesisvr-sessions.json');
	const before = await executionIds(wf.id);
	const res = await postWebhook(synthesisVrUrl(), json(SYNTHESISVR_BATCH));
	assertAccepted(res, 3);

	const [execution] = await newExecutions(wf.id, before);
	assert.equal(execution.status, 'success');
	const items = nodeItems(execution, 'SynthesisVR Trigger');
	assert.equal(items.length, 3);
	assert.deepEqual(
		items.map((i) => i.meta.dedupKey),
		SYNTHESISVR_BATCH.map((e) => `${e.uuid}:${e.action}`),
	);
	for (const item of items) {
		assert.equal(item.meta.vendor, 'synthesisvr');
		assert.equal(item.meta.verified, true);
		assert.deepEqual(item.meta.verification, { method: 'sharedToken', source: 'query' });
	}
	assert.deepEqual(items.map((i) => i.meta.eventType), ['session.create', 'session.delete', 'session.create']);
	// All 3 reach "Session created?", and are routed 2 / 1.
	assert.equal(execution.data.resultData.runData['Session created?'][0].data.main.flat().length, 3);
	assert.equal(nodeItems(execution, 'New session').length, 2);
	assert.equal(nodeItems(execution, 'Removed session').length, 1);
}, CASE_TIMEOUT);

t.test('ApiRTC template: Content-Type application/JSON + X-Webhook-Secret, ticket closed → typed item', async () => {
	const wf = workflow('apirtc-ticket-state.json');
	const before = await executionIds(wf.id);
	const res = await postWebhook(triggerUrl('apirtc-ticket-state.json'), {
		body: JSON.stringify(apiRtcTicket(100, 'closed')),
		headers: apiRtcHeaders,
	});
	assertAccepted(res);

	const [execution] = await newExecutions(wf.id, before);
	assert.equal(execution.status, 'success');
	const [item] = nodeItems(execution, 'ApiRTC Trigger');
	assert.equal(item.object, 'ticket');
	assert.equal(item.props.state, 'closed');
	assert.equal(item.timeIso, new Date(1575976413 * 1000).toISOString());
	assert.equal(item.meta.verified, true);
	assert.deepEqual(item.meta.verification, { method: 'customHeader', header: APIRTC.headerName });
	assert.deepEqual(nodeItems(execution, 'Ticket finished').map((i) => i.summary), [`Ticket 100 is closed (${item.timeIso})`]);
}, CASE_TIMEOUT);

t.test('Roomle template (respond after the workflow): fresh 02- token + data.email → 2xx, success', async () => {
	const wf = workflow('roomle-share-email.json');
	const before = await executionIds(wf.id);
	const res = await postWebhook(triggerUrl('roomle-share-email.json'), {
		body: JSON.stringify(roomleEvent({ email: 'buyer@example.com' })),
		headers: { 'content-type': 'application/json', token: roomleToken() },
	});
	assert.ok(res.status >= 200 && res.status < 300, `${res.status} ${res.text}`);
	timings.roomleSuccessAnswer = `${res.status} ${JSON.stringify(res.text)}`;

	const [execution] = await newExecutions(wf.id, before);
	assert.equal(execution.status, 'success');
	const [item] = nodeItems(execution, 'Roomle Trigger');
	assert.equal(item.meta.verified, true);
	assert.equal(item.meta.verification.method, 'roomleToken');
	assert.equal(item.meta.verification.algorithm, '02');
	assert.equal(item.meta.verification.anonymous, true);
	assert.deepEqual(nodeItems(execution, 'Compose email').map((i) => i.to), ['buyer@example.com']);
}, CASE_TIMEOUT);

t.test('Roomle template: the published token format (02-, standard base64, a session token) is accepted', async () => {
	const pub = ROOMLE_PUBLISHED;
	assert.deepEqual({ secret: ROOMLE.secret, apiKey: ROOMLE.apiKey }, { secret: pub.secret, apiKey: pub.apiKey });
	// Our signer reproduces the published example byte for byte ...
	assert.equal(createRoomleToken({ secret: pub.secret, apiKey: pub.apiKey, sessionToken: pub.sessionToken, date: new Date(pub.issuedAt) }), pub.token);
	// ... which is from 2020, so stale: a fresh token of exactly the same shape, with characters
	// only standard base64 has ('+' or '/'), stands in for it.
	const shape = /^02-[A-Za-z0-9+/]+={0,2}$/;
	let token;
	for (let ms = 0; ms < 1000 && !token; ms++) {
		const candidate = createRoomleToken({ secret: pub.secret, apiKey: pub.apiKey, sessionToken: pub.sessionToken, date: new Date(Date.now() - ms) });
		if (/[+/]/.test(candidate)) token = candidate;
	}
	assert.ok(token, 'no fresh token with + or / in 1000 tries');
	assert.match(token, shape);
	assert.match(pub.token, shape);
	assert.equal(token.length, pub.token.length);

	const wf = workflow('roomle-share-email.json');
	const url = triggerUrl('roomle-share-email.json');
	const before = await executionIds(wf.id);
	// The published token itself: valid format, right key, but outside the 300 s window.
	const stale = await postWebhook(url, {
		body: JSON.stringify(roomleEvent({ email: 'stale@example.com' })),
		headers: { 'content-type': 'application/json', token: pub.token },
	});
	assertRejected(stale, 401, 'bad_token');

	const res = await postWebhook(url, {
		body: JSON.stringify(roomleEvent({ email: 'published-shape@example.com' })),
		headers: { 'content-type': 'application/json', token },
	});
	assert.ok(res.status >= 200 && res.status < 300, `${res.status} ${res.text}`);
	const [execution] = await newExecutions(wf.id, before);
	assert.equal(execution.status, 'success');
	const [item] = nodeItems(execution, 'Roomle Trigger');
	assert.equal(item.data.email, 'published-shape@example.com');
	assert.equal(item.meta.verified, true);
	assert.equal(item.meta.verification.algorithm, '02');
	assert.equal(item.meta.verification.anonymous, false);
	assert.doesNotMatch(JSON.stringify(item), /aSessionToken/, 'the session token is never put in the item');
}, CASE_TIMEOUT);

t.test('SYNCHUB template (failure only, syncRunCompleted): HMAC-SHA256 hex of the raw body → verified, outcome failure', async () => {
	const wf = workflow('synchub-failed-sync-alert.json');
	const before = await executionIds(wf.id);
	const res = await postWebhook(triggerUrl('synchub-failed-sync-alert.json'), synchubDelivery(failedSyncRun('run-e2e-valid')));
	assertAccepted(res);

	const [execution] = await newExecutions(wf.id, before);
	assert.equal(execution.status, 'success');
	const [item] = nodeItems(execution, 'SYNCHUB Trigger');
	assert.equal(item.runId, 'run-e2e-valid');
	assert.equal(item.meta.verified, true);
	assert.equal(item.meta.outcome, 'failure');
	assert.equal(item.meta.kind, 'syncRunCompleted');
	assert.deepEqual(
		{ ...item.meta.verification, secretIndex: undefined },
		{ method: 'hmac', header: 'x-synchub-signature', algorithm: 'sha256', encoding: 'hex', prefix: '', signedContent: 'body', secretIndex: undefined },
	);
	assert.equal(nodeItems(execution, 'Alert text')[0].alert, 'SYNCHUB sync run failed: orders-endpoint (Upstream timeout)');
}, CASE_TIMEOUT);

t.test('Event Webhook template: generic envelope + x-api-key → event_time normalised', async () => {
	const wf = workflow('event-webhook-router.json');
	const before = await executionIds(wf.id);
	const res = await postWebhook(triggerUrl('event-webhook-router.json'), eventWebhookDelivery(genericEvent('order.created', { orderId: 42 })));
	assertAccepted(res);

	const [execution] = await newExecutions(wf.id, before);
	assert.equal(execution.status, 'success');
	const [item] = nodeItems(execution, 'Event Webhook Trigger');
	assert.equal(item.event_time, '2023-11-14T22:13:20.000Z');
	assert.equal(item.meta.originalEventTime, 1700000000);
	assert.equal(item.meta.verified, true);
	assert.deepEqual(item.meta.verification, { method: 'apiKey', source: 'header', keyIndex: 0 });
	assert.deepEqual(nodeItems(execution, 'Order event')[0], { summary: 'Order event order.created at 2023-11-14T22:13:20.000Z', data: { orderId: 42 } });
}, CASE_TIMEOUT);

t.test('SYNCHUB typeVersion 1 (saved workflows) and 2 (templates): the signature is checked over the raw bytes for every Content-Type', async () => {
	// From typeVersion 2 n8n reads only bodies it can parse; the node reads the rest itself.
	const contentTypes = [undefined, 'text/plain', 'application/octet-stream', 'application/JSON', 'application/json; charset=utf-8'];
	for (const [key, typeVersion] of [['vendors-synchub-v1.workflow.json', 1], ['synchub-failed-sync-alert.json', 2]]) {
		const wf = workflow(key);
		const nodes = (await n8n.api(`/workflows/${wf.id}`)).nodes;
		assert.equal(nodes.find((n) => n.name === 'SYNCHUB Trigger').typeVersion, typeVersion);
		const before = await executionIds(wf.id);
		for (const [i, contentType] of contentTypes.entries()) {
			const { body, headers } = synchubDelivery(failedSyncRun(`run-e2e-v${typeVersion}-${i}`));
			delete headers['content-type'];
			if (contentType) headers['content-type'] = contentType;
			// A Buffer body makes fetch send no Content-Type of its own.
			assertAccepted(await postWebhook(triggerUrl(key), { body: Buffer.from(body), headers }));
		}
		const executions = await newExecutions(wf.id, before, { count: contentTypes.length });
		const runIds = executions.map((e) => nodeItems(e, 'SYNCHUB Trigger')[0]);
		assert.ok(runIds.every((item) => item.meta.verified === true));
		assert.deepEqual(runIds.map((item) => item.runId).sort(), contentTypes.map((_, i) => `run-e2e-v${typeVersion}-${i}`).sort());
	}
}, CASE_TIMEOUT);

// ---------------------------------------------------------------------------------------------
// 2. invalid deliveries → 4xx + {error, message}, and no execution

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

t.test('SYNCHUB: a tampered body → 401 bad_signature, no execution', async () => {
	const url = triggerUrl('synchub-failed-sync-alert.json');
	const signed = synchubDelivery(failedSyncRun('run-e2e-tampered'));
	const tampered = { ...signed, body: signed.body.replace('"failed"', '"failed" ') };
	assert.notEqual(tampered.body, signed.body);
	const missing = { body: signed.body, headers: { 'content-type': 'application/json' } };
	await rejectedWithoutExecution(
		'synchub-failed-sync-alert.json',
		[
			{ send: () => postWebhook(url, tampered), check: (res) => assertRejected(res, 401, 'bad_signature') },
			{ send: () => postWebhook(url, missing), check: (res) => assertRejected(res, 401, 'missing_header') },
		],
		() => postWebhook(url, synchubDelivery(failedSyncRun('run-e2e-after-tampered'))),
		(e) => nodeItems(e, 'SYNCHUB Trigger')[0].runId === 'run-e2e-after-tampered',
	);
}, CASE_TIMEOUT);

t.test('SYNCHUB typeVersion 2: a multipart body (consumed by n8n, no raw bytes) → 400 bad_payload, no execution', async () => {
	const url = triggerUrl('synchub-failed-sync-alert.json');
	const form = new FormData();
	form.append('payload', JSON.stringify(failedSyncRun('run-e2e-multipart')));
	await rejectedWithoutExecution(
		'synchub-failed-sync-alert.json',
		[{ send: () => postWebhook(url, { body: form, headers: { 'x-synchub-signature': 'ab'.repeat(32) } }), check: (res) => assertRejected(res, 400, 'bad_payload') }],
		() => postWebhook(url, synchubDelivery(failedSyncRun('run-e2e-after-multipart'))),
		(e) => nodeItems(e, 'SYNCHUB Trigger')[0].runId === 'run-e2e-after-multipart',
	);
}, CASE_TIMEOUT);

t.test('SYNCHUB Standard Webhooks fixture: webhook-timestamp 10 min old → 401 stale_timestamp, no execution', async () => {
	const url = triggerUrl('vendors-synchub-standard-webhooks.workflow.json');
	const delivery = (runId, timestamp) => {
		const body = JSON.stringify({ event: 'sync_run.completed', runId, status: 'succeeded' });
		return { body, headers: { 'content-type': 'application/json', ...signStandardWebhook({ secret: STD_WH_SECRET, body: Buffer.from(body), timestamp }) } };
	};
	const execution = await rejectedWithoutExecution(
		'vendors-synchub-standard-webhooks.workflow.json',
		[{ send: () => postWebhook(url, delivery('run-e2e-stale', nowSec() - 600)), check: (res) => assertRejected(res, 401, 'stale_timestamp') }],
		() => postWebhook(url, delivery('run-e2e-fresh', nowSec())),
		(e) => nodeItems(e, 'SYNCHUB Trigger')[0].runId === 'run-e2e-fresh',
	);
	const [item] = nodeItems(execution, 'SYNCHUB Trigger');
	assert.equal(item.meta.verified, true);
	assert.equal(item.meta.verification.method, 'standardWebhooks');
}, CASE_TIMEOUT);

t.test('SYNCHUB timestamp.body fixture: x-synchub-timestamp 10 min old → 401 stale_timestamp, no execution', async () => {
	const url = triggerUrl('vendors-synchub-timestamped.workflow.json');
	const delivery = (runId, ts) => {
		const body = JSON.stringify({ event: 'sync_run.completed', runId, status: 'failed' });
		return {
			body,
			headers: { 'content-type': 'application/json', 'x-synchub-timestamp': String(ts), 'x-synchub-signature': hmacHex(SYNCHUB_SECRET, `${ts}.${body}`) },
		};
	};
	await rejectedWithoutExecution(
		'vendors-synchub-timestamped.workflow.json',
		[{ send: () => postWebhook(url, delivery('run-e2e-stale', nowSec() - 600)), check: (res) => assertRejected(res, 401, 'stale_timestamp') }],
		() => postWebhook(url, delivery('run-e2e-fresh', nowSec())),
		(e) => nodeItems(e, 'SYNCHUB Trigger')[0].runId === 'run-e2e-fresh' && nodeItems(e, 'SYNCHUB Trigger')[0].meta.verified === true,
	);
}, CASE_TIMEOUT);

t.test('Event Webhook: a wrong API key → 401 bad_api_key, no execution', async () => {
	const url = triggerUrl('event-webhook-router.json');
	await rejectedWithoutExecution(
		'event-webhook-router.json',
		[
			{ send: () => postWebhook(url, eventWebhookDelivery(genericEvent('user.created', { id: 'wrong-key' }), 'not-the-key')), check: (res) => assertRejected(res, 401, 'bad_api_key') },
			{
				send: () => postWebhook(url, { body: JSON.stringify(genericEvent('user.created', { id: 'wrong-bearer' })), headers: { 'content-type': 'application/json', authorization: 'Bearer not-the-key' } }),
				check: (res) => assertRejected(res, 401, 'bad_api_key'),
			},
		],
		() => postWebhook(url, eventWebhookDelivery(genericEvent('user.created', { id: 'right-key' }))),
		(e) => nodeItems(e, 'Event Webhook Trigger')[0].data.id === 'right-key',
	);
}, CASE_TIMEOUT);

t.test('SynthesisVR: a malformed body → 400 bad_payload (text/plain) / n8n 4xx (application/json), no execution', async () => {
	const url = synthesisVrUrl();
	const truncated = '[{"uuid":';
	await rejectedWithoutExecution(
		'synthesisvr-sessions.json',
		[
			{
				// The node parses the raw bytes whatever the content type says.
				send: () => postWebhook(url, { body: truncated, headers: { 'content-type': 'text/plain' } }),
				check: (res) => assert.equal(assertRejected(res, 400, 'bad_payload').message, 'The body is not valid JSON'),
			},
			{
				// n8n parses application/json itself and answers before the node runs.
				send: () => postWebhook(url, { body: truncated, headers: { 'content-type': 'application/json' } }),
				check: (res) => {
					timings.malformedJsonStatus = res.status;
					assert.ok(res.status >= 400 && res.status < 500, `${res.status} ${res.text}`);
				},
			},
			{
				send: () => postWebhook(url, json([{ uuid: 'a', action: 'create' }, { action: 'delete' }])),
				check: (res) => assert.equal(assertRejected(res, 400, 'bad_payload').message, '[1].uuid: expected string, received undefined'),
			},
		],
		// The valid follow-up goes as text/plain too: accepted, since the raw bytes are JSON.
		() => postWebhook(url, { body: JSON.stringify([{ uuid: 'after-malformed', action: 'create' }]), headers: { 'content-type': 'text/plain' } }),
		(e) => nodeItems(e, 'SynthesisVR Trigger')[0].uuid === 'after-malformed',
	);
}, CASE_TIMEOUT);

// ---------------------------------------------------------------------------------------------
// 3. Roomle "email as fallback": a failing workflow answers non-2xx

t.test('Roomle template: valid token, no data.email → Stop and Error fails the workflow → answer ≥ 300', async () => {
	const wf = workflow('roomle-share-email.json');
	const before = await executionIds(wf.id);
	const res = await postWebhook(triggerUrl('roomle-share-email.json'), {
		body: JSON.stringify(roomleEvent({})),
		headers: { 'content-type': 'application/json', token: roomleToken() },
	});
	timings.roomleFallbackStatus = res.status;
	assert.ok(res.status >= 300, `Roomle must see a failure to send its own email: ${res.status} ${res.text}`);
	assert.equal(res.status, 500, res.text);

	const [execution] = await newExecutions(wf.id, before);
	assert.equal(execution.status, 'error');
	assert.equal(execution.data.resultData.lastNodeExecuted, 'Let Roomle send it');
	assert.match(execution.data.resultData.error.message, /No email address/);
	assert.equal(nodeItems(execution, 'Roomle Trigger')[0].meta.verified, true);
}, CASE_TIMEOUT);

// ---------------------------------------------------------------------------------------------
// 4. SynthesisVR: acknowledged within its 2 s budget while the workflow runs on for 5 s

t.test('SynthesisVR slow fixture: answer < 2000 ms, workflow runs ≥ 5 s', async () => {
	const wf = workflow('vendors-synthesisvr-slow.workflow.json');
	const url = triggerUrl('vendors-synthesisvr-slow.workflow.json');
	const before = await executionIds(wf.id);
	// A plain fetch (no 404 retries inside the measurement): the workflow is long active by now.
	const t0 = performance.now();
	const answer = await fetch(url, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify([{ uuid: 'slow-1', action: 'create', location: 'Slow Room', stations: 2 }]),
		signal: AbortSignal.timeout(10000),
	});
	const res = { status: answer.status, text: await answer.text() };
	const ackMs = performance.now() - t0;
	const answeredAt = Date.now();
	timings.synthesisVrAckMs = Math.round(ackMs);
	assertAccepted(res);
	assert.ok(ackMs < 2000, `SynthesisVR waits 2 s: answered after ${ackMs.toFixed(0)} ms`);

	const [execution] = await newExecutions(wf.id, before, { timeoutMs: 30000 });
	assert.equal(execution.status, 'success');
	const durationMs = Date.parse(execution.stoppedAt) - Date.parse(execution.startedAt);
	timings.synthesisVrWorkflowMs = durationMs;
	assert.ok(durationMs >= 5000, `workflow ran ${durationMs} ms`);
	assert.ok(Date.parse(execution.stoppedAt) > answeredAt, 'the answer came before the workflow finished');
	assert.equal(nodeItems(execution, 'No Operation')[0].uuid, 'slow-1');
}, CASE_TIMEOUT);

// ---------------------------------------------------------------------------------------------
// 5. Send Webhook → another workflow's trigger in this n8n, for every signing scheme

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
];

for (const c of SEND_CASES) {
	t.test(`Send Webhook (${c.scheme}) → ${c.trigger} of another workflow: delivered, signature verified`, async () => {
		const sender = workflow(`vendors-send-${c.scheme}.workflow.json`);
		const target = workflow(c.target);
		const [senderBefore, targetBefore] = await Promise.all([executionIds(sender.id), executionIds(target.id)]);

		const res = await postWebhook(n8n.webhookUrl(`e2e-send-${c.scheme}`), json({ target: triggerUrl(c.target), eventType: c.eventType, payload: c.payload() }));
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
		if (c.target !== 'roomle-share-email.json') assert.deepEqual(out.body, { received: true, accepted: 1, ignored: 0 });

		const [received] = await newExecutions(target.id, targetBefore);
		assert.equal(received.status, 'success');
		const [item] = nodeItems(received, c.trigger);
		assert.equal(item.meta.verified, true, JSON.stringify(item.meta));
		c.check(item);
	}, CASE_TIMEOUT);
}
