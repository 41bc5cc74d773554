'use strict';
// The package in n8n's queue mode (scripts/queue-stack.js): real Postgres and Redis, n8n main,
// one webhook processor and two workers, all with this package installed once in their shared
// user folder. Deliveries go to the production URLs on the WEBHOOK PROCESSOR; every execution
// must be enqueued there and run by a worker, which the n8n logs prove ("Enqueued execution N"
// in the webhook processor's log, "Worker started/finished execution N" in one worker's).
// "No execution" for a rejected delivery is proven as in vendors.test.js (a valid follow-up is
// the only new execution) and by the queue: one job enqueued for the whole sequence.

const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const fsp = require('node:fs/promises');
const os = require('node:os');
const path = require('node:path');
const { promisify } = require('node:util');
const { startE2E, postWebhook, freePortPair, e2eTest } = require('./harness');
const rt = require('../../scripts/n8n-runtime');
const { pidAlive } = require('../../scripts/queue-stack');
const { deliveryLines } = require('../../scripts/start');
const { SAMPLES } = require('../../scripts/demo-send');
const {
	vendorHelpers, dedupRedelivery, svrSession, TEMPLATES, credentialsFile, fixtureFiles, SYNTHESISVR_BATCH, SYNTHESISVR_TOKEN, nodeItems, assertRejected,
	assertAccepted, json, failedSyncRun, synchubDelivery, apiRtcTicket, apiRtcHeaders, roomleEvent, roomleToken,
	genericEvent, eventWebhookDelivery, SEND_CASES, parseJson,
} = require('./vendor-helpers');

const t = e2eTest();
const COLD_TIMEOUT = 15 * 60 * 1000; // first run installs Node 24 + n8n (~4 min), Postgres, Redis
const CASE_TIMEOUT = 60000;

let n8n;
let stack;
let tmp;
const h = vendorHelpers(() => n8n);
const { workflow, triggerUrl, executionIds, newExecutions, listExecutions, rejectedWithoutExecution } = h;
const ranOn = {}; // worker name → executions it ran (printed at the end)
const seen = {}; // answers worth printing at the end

t.before(async () => {
	tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'n8n-e2e-queue-templates-'));
	// send-signed-event.json forwards to this n8n's own webhook address ($execution.resumeUrl,
	// from N8N_WEBHOOK_URL: the webhook processor here), with no host or port written in it.
	const webhookPort = await freePortPair();
	const templates = path.join(tmp, 'templates');
	await fsp.mkdir(templates);
	for (const f of fs.readdirSync(TEMPLATES).filter((x) => x.endsWith('.json'))) {
		const text = fs.readFileSync(path.join(TEMPLATES, f), 'utf8');
		const patched = text.replaceAll('http://127.0.0.1:5678/', `http://127.0.0.1:${webhookPort}/`);
		if (f === 'send-signed-event.json') assert.equal(patched, text, 'send-signed-event.json hard-codes 127.0.0.1:5678 again');
		await fsp.writeFile(path.join(templates, f), patched);
	}
	n8n = await startE2E({ mode: 'queue', workers: 2, ports: { webhook: webhookPort }, workflows: [templates, ...fixtureFiles], credentials: credentialsFile });
	stack = n8n.stack;
}, COLD_TIMEOUT);

t.after(async () => {
	if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
	if (!n8n) return;
	const pids = stack.pids;
	const all = [pids.main, pids.webhook, ...pids.workers, pids.postgres, pids.redis, ...Object.values(pids.taskRunners).flat()];
	const { stopMs } = await stack.stop();
	await n8n.stop();
	process.stderr.write(`[queue.test] start ${JSON.stringify(stack.timings)}; stop ${stopMs} ms; executions per worker ${JSON.stringify(ranOn)}; ${JSON.stringify(seen)}\n`);
	const alive = all.filter(pidAlive);
	assert.deepEqual(alive, [], 'stop() left processes running');
}, 90000);

/**
 * Proves from the n8n logs that the webhook processor enqueued `execution` and exactly one
 * worker ran it; returns that worker's name.
 */
async function assertRunByWorker(execution) {
	const id = String(execution.id);
	const entry = await rt.poll(
		() => {
			const e = stack.executionLog().get(id);
			return e && e.finishedBy.length > 0 && e;
		},
		{ timeoutMs: 10000, intervalMs: 100, what: `"Worker finished execution ${id}" in a worker log` },
	);
	assert.deepEqual(entry.enqueuedBy, ['webhook'], `execution ${id}: ${JSON.stringify(entry)}`);
	assert.equal(entry.startedBy.length, 1, `execution ${id}: ${JSON.stringify(entry)}`);
	assert.match(entry.startedBy[0], /^worker\d+$/);
	assert.deepEqual(entry.finishedBy, entry.startedBy, `execution ${id}: ${JSON.stringify(entry)}`);
	(ranOn[entry.startedBy[0]] ||= []).push(id);
	return entry.startedBy[0];
}

/** Exactly one new execution of `wf` since `before`, run by a worker; returns it. */
async function oneExecutionRunByWorker(wf, before, status = 'success') {
	const [execution] = await newExecutions(wf.id, before);
	assert.equal(execution.status, status, JSON.stringify(execution.data?.resultData?.error ?? null));
	await assertRunByWorker(execution);
	// Read again once the worker is done: still only this one.
	assert.deepEqual((await listExecutions(wf.id)).map((e) => e.id).filter((id) => !before.has(id)), [execution.id]);
	return execution;
}

const jobsEnqueued = () => [...stack.executionLog().values()].filter((e) => e.enqueuedBy.length).length;

/**
 * rejectedWithoutExecution (same arguments), then: the valid delivery sent after the rejected ones
 * ran in a worker, and it was the only job enqueued meanwhile.
 */
async function rejectedWithoutJob(file, rejected, sendValid, isValid) {
	const jobs = jobsEnqueued();
	const execution = await rejectedWithoutExecution(file, rejected, sendValid, isValid);
	await assertRunByWorker(execution);
	assert.equal(jobsEnqueued() - jobs, 1, 'only the valid delivery was enqueued');
}

// ---------------------------------------------------------------------------------------------
// the stack

t.test('queue mode: Postgres, Redis, main, 1 webhook processor, 2 workers, each its own process and log', async () => {
	const { pids, processes } = stack;
	const all = [pids.main, pids.webhook, ...pids.workers, pids.postgres, pids.redis];
	assert.equal(new Set(all).size, 6, JSON.stringify(pids));
	assert.equal(processes.workers.length, 2);
	for (const p of [processes.main, processes.webhook, ...processes.workers, processes.postgres, processes.redis]) {
		assert.ok(p.alive, `${p.name} is not running`);
	}
	for (const w of processes.workers) {
		const res = await fetch(`${w.url}/healthz/readiness`);
		assert.equal(res.status, 200, `${w.name} readiness`);
	}
	assert.equal(n8n.baseUrl, stack.mainUrl);
	assert.notEqual(stack.ports.webhook, stack.ports.main);
	// Every n8n process loaded the package from the shared user folder.
	for (const p of [processes.main, processes.webhook, ...processes.workers]) {
		assert.doesNotMatch(fs.readFileSync(p.logFile, 'utf8'), /Unrecognized node type/, p.name);
	}
	const { data: settings } = await n8n.api('/rest/settings');
	assert.equal(settings.executionMode, 'queue');
}, CASE_TIMEOUT);

t.test('every template and vendors fixture is active; production URLs are on the webhook processor', async () => {
	for (const f of fs.readdirSync(TEMPLATES).filter((x) => x.endsWith('.json'))) assert.ok(workflow(f).hasWebhooks, f);
	const { data } = await n8n.api('/workflows?limit=250');
	const active = new Set(data.filter((w) => w.active).map((w) => w.id));
	for (const wf of n8n.workflows) {
		assert.ok(active.has(wf.id), `${wf.name} is not active`);
		assert.ok(wf.webhookUrls.length >= 1, wf.name);
		for (const u of wf.webhookUrls) assert.ok(u.url.startsWith(`${stack.webhookUrl}/webhook/`), u.url);
	}
}, CASE_TIMEOUT);

// ---------------------------------------------------------------------------------------------
// a valid delivery to each template's trigger → one successful execution, run by a worker

const TEMPLATE_DELIVERIES = [
	{
		template: 'synthesisvr-sessions.json',
		send: () => postWebhook(`${triggerUrl('synthesisvr-sessions.json')}?token=${encodeURIComponent(SYNTHESISVR_TOKEN)}`, json(SYNTHESISVR_BATCH)),
		check: (res, execution) => {
			assertAccepted(res, 3);
			assert.equal(nodeItems(execution, 'SynthesisVR Trigger').length, 3);
			assert.equal(nodeItems(execution, 'New session').length, 2);
		},
	},
	{
		template: 'apirtc-ticket-state.json',
		send: () => postWebhook(triggerUrl('apirtc-ticket-state.json'), { body: JSON.stringify(apiRtcTicket(100, 'closed')), headers: apiRtcHeaders }),
		check: (res, execution) => {
			assertAccepted(res);
			assert.equal(nodeItems(execution, 'Ticket finished')[0].summary.startsWith('Ticket 100 is closed'), true);
		},
	},
	{
		template: 'roomle-share-email.json',
		send: () =>
			postWebhook(triggerUrl('roomle-share-email.json'), {
				body: JSON.stringify(roomleEvent({ email: 'queue@example.com' })),
				headers: { 'content-type': 'application/json', token: roomleToken() },
			}),
		check: (res, execution) => {
			assert.ok(res.status >= 200 && res.status < 300, `${res.status} ${res.text}`);
			assert.equal(nodeItems(execution, 'Roomle Trigger')[0].meta.verified, true);
			assert.deepEqual(nodeItems(execution, 'Compose email').map((i) => i.to), ['queue@example.com']);
		},
	},
	{
		template: 'synchub-failed-sync-alert.json',
		send: () => postWebhook(triggerUrl('synchub-failed-sync-alert.json'), synchubDelivery(failedSyncRun('run-queue-valid'))),
		check: (res, execution) => {
			assertAccepted(res);
			const [item] = nodeItems(execution, 'SYNCHUB Trigger');
			assert.equal(item.runId, 'run-queue-valid');
			assert.equal(item.meta.verified, true);
		},
	},
	{
		template: 'event-webhook-router.json',
		send: () => postWebhook(triggerUrl('event-webhook-router.json'), eventWebhookDelivery(genericEvent('order.created', { orderId: 42 }))),
		check: (res, execution) => {
			assertAccepted(res);
			assert.deepEqual(nodeItems(execution, 'Order event')[0].data, { orderId: 42 });
		},
	},
];

for (const d of TEMPLATE_DELIVERIES) {
	t.test(`${d.template}: a valid delivery to the webhook processor → one successful execution, run by a worker`, async () => {
		const wf = workflow(d.template);
		const before = await executionIds(wf.id);
		const res = await d.send();
		const execution = await oneExecutionRunByWorker(wf, before);
		d.check(res, execution);
	}, CASE_TIMEOUT);
}

t.test('npm run start:queue prints a curl per template on the webhook processor; one, run by a shell, is run by a worker', async () => {
	// What start-queue.js prints (deliveryLines, shared with npm start), with this stack's
	// credentials in the place of the demo ones it creates in its user folder.
	const folder = path.join(tmp, 'start-queue');
	await fsp.mkdir(folder);
	const demoFile = path.join(folder, 'demo-credentials.json');
	await fsp.copyFile(credentialsFile, demoFile);
	const { data: workflows } = await n8n.api('/workflows?limit=250');
	const lines = deliveryLines(workflows, await stack.registeredWebhooks(), folder, { port: stack.ports.webhook });
	const text = lines.join('\n');
	const curls = lines.map((l) => l.trim()).filter((l) => l.startsWith('curl '));
	assert.equal(curls.length, SAMPLES.length, text);
	for (const curl of curls) assert.ok(curl.includes(`'${stack.webhookUrl}/webhook/`), curl);
	// demo:send is told this stack's port and secrets (its defaults are npm start's).
	const demoSend = lines.find((l) => l.includes('npm run demo:send --'));
	assert.ok(demoSend?.includes(`N8N_PORT=${stack.ports.webhook} N8N_IMPORT_CREDENTIALS=${path.relative(process.cwd(), demoFile)} npm run demo:send --`), text);

	const wf = workflow('synthesisvr-sessions.json');
	const curl = curls.find((c) => c.includes(`/webhook/${wf.webhookUrls[0].path}?`));
	assert.ok(curl, text);
	const before = await executionIds(wf.id);
	const { stdout } = await promisify(execFile)('sh', ['-c', curl], { timeout: 30000 });
	const out = stdout.trimEnd().split('\n');
	assert.equal(out.pop(), '200', stdout);
	assertAccepted({ status: 200, text: out.join('\n') }, 2);
	await oneExecutionRunByWorker(wf, before);
}, CASE_TIMEOUT);

t.test('send-signed-event.json: forwarded by Send Webhook in a worker to the Event Webhook Trigger, API key verified', async () => {
	const sender = workflow('send-signed-event.json');
	const target = workflow('event-webhook-router.json');
	const [senderBefore, targetBefore] = await Promise.all([executionIds(sender.id), executionIds(target.id)]);
	const res = await postWebhook(n8n.webhookUrl('forward-event'), json({ event_type: 'order.forwarded', orderId: 7 }));
	assert.equal(res.status, 200, res.text);

	const sent = await oneExecutionRunByWorker(sender, senderBefore);
	const [out] = nodeItems(sent, 'Send Webhook');
	assert.equal(out.ok, true, JSON.stringify(out));
	assert.equal(out.status, 200, JSON.stringify(out));
	assert.equal(nodeItems(sent, 'Delivered').length, 1);

	const received = await oneExecutionRunByWorker(target, targetBefore);
	const [item] = nodeItems(received, 'Event Webhook Trigger');
	assert.equal(item.event_type, 'order.forwarded');
	assert.equal(item.meta.verified, true);
	assert.equal(item.meta.verification.method, 'apiKey');
	assert.equal(parseJson(res.text)?.deliveryId, out.deliveryId, res.text);
}, CASE_TIMEOUT);

// ---------------------------------------------------------------------------------------------
// rejected deliveries → 4xx and no execution (nor a job)

t.test('SYNCHUB: a tampered signature → 401 bad_signature, no execution, no job', async () => {
	const url = triggerUrl('synchub-failed-sync-alert.json');
	const signed = synchubDelivery(failedSyncRun('run-queue-tampered'));
	const tampered = { ...signed, headers: { ...signed.headers, 'x-synchub-signature': signed.headers['x-synchub-signature'].replace(/^./, (c) => (c === '0' ? '1' : '0')) } };
	await rejectedWithoutJob(
		'synchub-failed-sync-alert.json',
		[{ send: () => postWebhook(url, tampered), check: (res) => assertRejected(res, 401, 'bad_signature') }],
		() => postWebhook(url, synchubDelivery(failedSyncRun('run-queue-after-tampered'))),
		(e) => nodeItems(e, 'SYNCHUB Trigger')[0].runId === 'run-queue-after-tampered',
	);
}, CASE_TIMEOUT);

t.test('SynthesisVR: a wrong token → 401 bad_token, no execution, no job', async () => {
	const url = triggerUrl('synthesisvr-sessions.json');
	const body = json([svrSession('queue-wrong-token')]);
	await rejectedWithoutJob(
		'synthesisvr-sessions.json',
		[
			{ send: () => postWebhook(`${url}?token=not-the-token`, body), check: (res) => assertRejected(res, 401, 'bad_token') },
			{ send: () => postWebhook(url, body), check: (res) => assert.ok(res.status >= 400 && res.status < 500, `${res.status} ${res.text}`) },
		],
		() => postWebhook(`${url}?token=${encodeURIComponent(SYNTHESISVR_TOKEN)}`, json([svrSession('queue-right-token')])),
		(e) => nodeItems(e, 'SynthesisVR Trigger')[0].uuid === 'queue-right-token',
	);
}, CASE_TIMEOUT);

// ---------------------------------------------------------------------------------------------
// Roomle "after the workflow": the worker's failure reaches the answer of the webhook processor

t.test('Roomle template: valid token, no data.email → the workflow fails in a worker → answer ≥ 300', async () => {
	const wf = workflow('roomle-share-email.json');
	const before = await executionIds(wf.id);
	const res = await postWebhook(triggerUrl('roomle-share-email.json'), {
		body: JSON.stringify(roomleEvent({})),
		headers: { 'content-type': 'application/json', token: roomleToken() },
	});
	assert.ok(res.status >= 300, `Roomle must see a failure to send its own email: ${res.status} ${res.text}`);
	seen.roomleFailureStatus = res.status;
	const execution = await oneExecutionRunByWorker(wf, before, 'error');
	assert.equal(execution.data.resultData.lastNodeExecuted, 'Let Roomle send it');
	assert.match(execution.data.resultData.error.message, /No email address/);
}, CASE_TIMEOUT);

// A re-delivered event (same meta.dedupKey) passes Remove Duplicates once, whichever worker runs it

t.test('dedup-redelivery.json: the same event twice via the webhook processor → the summary sees it once', async () => {
	const executions = await dedupRedelivery(h, triggerUrl('dedup-redelivery.json'), { postWebhook });
	for (const e of executions) await assertRunByWorker(e);
}, CASE_TIMEOUT);

// ---------------------------------------------------------------------------------------------
// Send Webhook in a worker → a trigger of another workflow, through the webhook processor

for (const c of SEND_CASES) {
	t.test(`Send Webhook (${c.scheme}) in a worker → ${c.trigger}: delivered, signature verified`, async () => {
		const { sent, received } = await h.runSendCase(c);
		await assertRunByWorker(sent);
		await assertRunByWorker(received);
	}, CASE_TIMEOUT);
}

// ---------------------------------------------------------------------------------------------
// the stack API the load/fault benchmark uses: kill -9 and restart single processes

t.test('kill -9 a worker and Redis, restart both: the stack serves deliveries again, run by a worker', async () => {
	const oldWorker = stack.pids.workers[1];
	const oldRunners = stack.pids.taskRunners.worker2;
	assert.equal(await stack.kill('worker2'), oldWorker);
	assert.equal(stack.process('worker2').alive, false);
	// Its process group went with it: the task runner too.
	assert.deepEqual(oldRunners.filter(pidAlive), []);
	const restarted = await stack.restart('worker2');
	assert.notEqual(restarted.pid, oldWorker);
	assert.equal(stack.processes.workers[1], restarted);

	const oldRedis = stack.pids.redis;
	await stack.kill('redis');
	assert.equal(pidAlive(oldRedis), false);
	await stack.restart('redis');
	assert.notEqual(stack.pids.redis, oldRedis);

	const wf = workflow('synchub-failed-sync-alert.json');
	const before = await executionIds(wf.id);
	const res = await postWebhook(triggerUrl('synchub-failed-sync-alert.json'), synchubDelivery(failedSyncRun('run-queue-after-restarts')));
	assertAccepted(res);
	const execution = await oneExecutionRunByWorker(wf, before);
	assert.equal(nodeItems(execution, 'SYNCHUB Trigger')[0].runId, 'run-queue-after-restarts');
	process.stderr.write(`[queue.test] worker2 ready ${restarted.readyMs} ms after restart; redis ${stack.processes.redis.readyMs} ms\n`);
}, CASE_TIMEOUT);
