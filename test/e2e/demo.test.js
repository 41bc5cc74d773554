'use strict';
// "First delivery in one command" on a real n8n that does NOT run on 5678, with the templates and
// demo credentials as `npm start` makes them: the curl commands npm start prints (run by a
// shell), `npm run demo:send -- all --bad`, and the Send Webhook template, which must deliver to
// the Event Webhook Trigger of this very n8n (whatever its port) and report a failed delivery.

const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const fsp = require('node:fs/promises');
const os = require('node:os');
const path = require('node:path');
const { promisify } = require('node:util');
const { startE2E, postWebhook, e2eTest } = require('./harness');
const { vendorHelpers, TEMPLATES, REPO, FINISHED, nodeItems, parseJson, json } = require('./vendor-helpers');
const rt = require('../../scripts/n8n-runtime');
const { curlLines, demoCredentialsFile } = require('../../scripts/start');
const { SAMPLES } = require('../../scripts/demo-send');

const run = promisify(execFile);
const t = e2eTest();
const COLD_TIMEOUT = 15 * 60 * 1000; // first run installs Node 24 + n8n (~4 min)
const CASE_TIMEOUT = 60000;

let n8n;
let tmp;
let credentialsFile;
const h = vendorHelpers(() => n8n);
const timings = {};

t.before(async () => {
	tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'n8n-e2e-demo-'));
	credentialsFile = demoCredentialsFile(tmp); // random secrets, as on a first npm start
	n8n = await startE2E({ workflows: [TEMPLATES], credentials: credentialsFile });
}, COLD_TIMEOUT);

t.after(async () => {
	if (n8n) await n8n.stop();
	if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
	if (Object.keys(timings).length) process.stderr.write(`[demo.test] ${JSON.stringify(timings)}\n`);
}, 60000);

/**
 * The finished execution of `workflowId` whose `nodeName` got an item matching `match` (other
 * suites' deliveries to the same workflow may still be finishing).
 */
async function executionWhere(workflowId, nodeName, match) {
	return rt.poll(
		async () => {
			const executions = (await h.listExecutions(workflowId, true)).filter((e) => FINISHED.has(e.status));
			return executions.find((e) => (e.data?.resultData?.runData?.[nodeName]?.[0]?.data?.main?.[0] ?? []).some((i) => match(i.json)));
		},
		{ timeoutMs: 20000, intervalMs: 200, what: `an execution of ${workflowId} where ${nodeName} got the item` },
	);
}

/** Runs a command line in sh, as pasted; returns {status, body} from curl's `-w '\n%{http_code}\n'`. */
async function shell(line) {
	const { stdout } = await run('sh', ['-c', line], { timeout: 30000 });
	const lines = stdout.trimEnd().split('\n');
	return { status: Number(lines.pop()), body: lines.join('\n') };
}

t.test('n8n runs on a port other than 5678, with every template active', async () => {
	assert.notEqual(n8n.port, 5678);
	const { data } = await n8n.api('/workflows?limit=250');
	assert.equal(data.filter((w) => w.active).length, SAMPLES.length, JSON.stringify(data.map((w) => [w.name, w.active])));
}, CASE_TIMEOUT);

t.test('npm start prints one curl per template; each, run by a shell, is accepted on this port', async () => {
	const { data: workflows } = await n8n.api('/workflows?limit=250');
	const webhooks = n8n.workflows.flatMap((w) => w.webhookUrls);
	const lines = curlLines(workflows, webhooks, credentialsFile);
	assert.match(lines[0], new RegExp(`secrets in .*${path.basename(credentialsFile)} \\(mode 600\\)`));
	const curls = lines.map((l) => l.trim()).filter((l) => l.startsWith('curl '));
	assert.equal(curls.length, SAMPLES.length, lines.join('\n'));
	assert.ok(lines.some((l) => /Roomle token carries its time: accepted for 300 s/.test(l)), lines.join('\n'));
	const t0 = Date.now();
	for (const curl of curls) {
		assert.ok(curl.includes(`'http://127.0.0.1:${n8n.port}/webhook/`), curl);
		// A webhook may answer 404 for a moment right after activation.
		let answer;
		for (let i = 0; i < 50 && (!answer || answer.status === 404); i++) {
			if (answer) await new Promise((r) => setTimeout(r, 200));
			answer = await shell(curl);
		}
		assert.ok(answer.status >= 200 && answer.status < 300, `${answer.status} ${answer.body}\n${curl}`);
	}
	timings.curlsMs = Date.now() - t0;
}, CASE_TIMEOUT);

t.test('npm run demo:send -- all --bad: every valid delivery accepted, every bad one refused', async () => {
	const t0 = Date.now();
	const { stdout } = await run(process.execPath, [path.join(REPO, 'scripts', 'demo-send.js'), 'all', '--bad'], {
		env: { ...process.env, N8N_PORT: String(n8n.port), N8N_IMPORT_CREDENTIALS: credentialsFile },
		timeout: 60000,
	});
	timings.demoSendMs = Date.now() - t0;
	// Answer lines: "  valid: <status> <body>", "  bad: <what was wrong>: <status> <body>".
	const answers = (re) => [...stdout.matchAll(re)].map((m) => [Number(m[1]), m[2]]);
	const valid = answers(/^ {2}valid: (\d{3}) (.*)$/gm);
	const bad = answers(/^ {2}bad: [^:]+: (\d{3}) (.*)$/gm);
	assert.equal(valid.length, SAMPLES.length, stdout);
	assert.equal(bad.length, SAMPLES.length, stdout);
	for (const [status] of valid) assert.ok(status >= 200 && status < 300, stdout);
	// Signature, token and key failures are 401 with our {error, message}; the Send Webhook template
	// refuses an empty event type with its failure report (502).
	const expected = SAMPLES.map((sample) => (sample.template === 'send-signed-event.json' ? 502 : 401)).sort();
	assert.deepEqual(bad.map(([status]) => status).sort(), expected, stdout);
	for (const [status, body] of bad.filter(([s]) => s === 401)) assert.match(body, /^\{"error":"bad_(token|signature|api_key)","message":/, stdout);
	assert.match(stdout, /same again: 200 /);
	assert.match(stdout, /every answer as expected/);
	assert.doesNotMatch(stdout, /\?token=(?!…)/, 'the SynthesisVR token is not printed');
}, CASE_TIMEOUT);

t.test('Send Webhook template delivers to the Event Webhook Trigger of this n8n, on its port', async () => {
	const sender = h.workflow('send-signed-event.json');
	const target = h.workflow('event-webhook-router.json');
	const res = await postWebhook(n8n.webhookUrl('forward-event'), json({ event_type: 'order.port-check', orderId: 42 }));
	assert.equal(res.status, 200, res.text);
	const answer = parseJson(res.text);
	assert.deepEqual(Object.keys(answer ?? {}).sort(), ['attempts', 'deliveryId', 'status'], res.text);
	assert.equal(answer.status, 200);

	const sent = await executionWhere(sender.id, 'Receive event', (i) => i.body?.event_type === 'order.port-check');
	assert.equal(sent.status, 'success');
	const received = await executionWhere(target.id, 'Event Webhook Trigger', (i) => i.event_type === 'order.port-check');
	assert.equal(received.status, 'success');
	const [item] = nodeItems(received, 'Event Webhook Trigger');
	assert.deepEqual(item.data, { event_type: 'order.port-check', orderId: 42 });
	assert.equal(item.meta.verified, true);
	assert.equal(nodeItems(sent, 'Send Webhook')[0].deliveryId, answer.deliveryId);
}, CASE_TIMEOUT);

t.test('Send Webhook template: a delivery the receiver refuses answers 502 with the report and fails the execution', async () => {
	const sender = h.workflow('send-signed-event.json');
	const target = h.workflow('event-webhook-router.json');
	// The receiving workflow is off: n8n answers its URL with 404, which Send Webhook does not retry.
	await n8n.api(`/workflows/${target.id}/deactivate`, { method: 'POST' });
	try {
		const res = await postWebhook(n8n.webhookUrl('forward-event'), json({ event_type: 'order.undeliverable', orderId: 43 }));
		assert.equal(res.status, 502, res.text);
		const answer = parseJson(res.text);
		assert.equal(answer?.error, 'http_status', res.text);
		assert.match(answer.report, /^Not delivered \(msg_[0-9a-f]{32}\) after 1 attempt\(s\): the endpoint answered 404$/, res.text);

		const sent = await executionWhere(sender.id, 'Receive event', (i) => i.body?.event_type === 'order.undeliverable');
		assert.equal(sent.status, 'error');
		assert.equal(sent.data.resultData.lastNodeExecuted, 'Fail the execution');
		assert.equal(sent.data.resultData.error.message, answer.report);
		const [out] = nodeItems(sent, 'Send Webhook');
		assert.equal(out.ok, false);
		assert.equal(out.status, 404);
	} finally {
		await n8n.api(`/workflows/${target.id}/activate`, { method: 'POST' });
	}
}, CASE_TIMEOUT);
