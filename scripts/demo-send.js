#!/usr/bin/env node
'use strict';
// `npm run demo:send -- <vendor|all> [--bad]`: sends a valid sample delivery to each template of
// the local n8n that `npm start` runs, signed with the secrets of the credentials it imported,
// and prints each answer. `--bad` also sends one variant per template that must be refused.
// Vendors: synthesisvr, synchub, apirtc, roomle, event (the Event Webhook templates and the Send
// Webhook template, which forwards to one), all.
// Env (as npm start): N8N_PORT (5678); N8N_IMPORT_CREDENTIALS (the credentials file npm start
// imported instead of the demo ones in .n8n-local/demo-credentials.json).
// The signing is the package's own (dist/nodes/shared/outgoing.js, what Send Webhook signs
// with), so a delivery is valid exactly when Send Webhook's would be. npm start prints the same
// deliveries as curl commands (curlCommand).

const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const REPO_ROOT = path.resolve(__dirname, '..');
const PKG = 'n8n-nodes-vendor-webhooks';
const TEMPLATES_DIR = path.join(REPO_ROOT, 'templates');
const USER_FOLDER = path.join(REPO_ROOT, '.n8n-local');
const DIST_OUTGOING = path.join(REPO_ROOT, 'dist', 'nodes', 'shared', 'outgoing.js');
const DIST_SYNCHUB = path.join(REPO_ROOT, 'dist', 'nodes', 'shared', 'n8n', 'hmacParameters.js');

/** The package's signing code, built first when dist/ is missing. */
function signing() {
	if (!fs.existsSync(DIST_OUTGOING) || !fs.existsSync(DIST_SYNCHUB)) {
		process.stderr.write('[demo-send] dist/ is missing: npm run build\n');
		execFileSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: ['ignore', 2, 2] });
	}
	const { signingHeaders, newDeliveryId } = require(DIST_OUTGOING);
	const { SYNCHUB_DEFAULT_SCHEME, SYNCHUB_DEFAULT_HEADER } = require(DIST_SYNCHUB);
	return { signingHeaders, newDeliveryId, SYNCHUB_DEFAULT_SCHEME, SYNCHUB_DEFAULT_HEADER };
}

/** The credentials file of the local n8n: the one npm start imported. */
function secretsFile(userFolder = USER_FOLDER) {
	return process.env.N8N_IMPORT_CREDENTIALS ? path.resolve(process.env.N8N_IMPORT_CREDENTIALS) : path.join(userFolder, 'demo-credentials.json');
}

const nowSec = () => Math.floor(Date.now() / 1000);
const STALE_MS = 10 * 60 * 1000;

/**
 * One sample per template: `valid(ctx)` and `bad(ctx)` build {query, headers, body, what};
 * ctx = {secret(credentialType), params (the trigger's parameters), sign}. `timeBound`: the
 * delivery carries its time (expires, and a copy is refused).
 */
const SAMPLES = [
	{
		vendor: 'synthesisvr',
		template: 'synthesisvr-sessions.json',
		valid: ({ secret, params }) => ({
			query: { [params.queryParameter ?? 'token']: secret('synthesisVrWebhookApi').token },
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify([
				{ uuid: '41509791-3de8-5bb9-b4fc-a9753da95aad', action: 'create', location: 'Demo Room', stations: 2, customerid: 7685 },
				{ uuid: '41509791-3de8-5bb9-b4fc-a9753da95aad', action: 'delete', location: 'Demo Room', stations: 2, customerid: 7685 },
			]),
		}),
		bad: (ctx, valid) => ({ ...valid, query: { [ctx.params.queryParameter ?? 'token']: 'not-the-token' }, what: 'a wrong token' }),
	},
	{
		vendor: 'synchub',
		template: 'synchub-failed-sync-alert.json',
		valid: ({ secret, params, sign }) => {
			const body = JSON.stringify({ event: 'sync_run.completed', endpoint: 'orders-endpoint', runId: `demo-${Date.now()}`, status: 'failed', error: 'Upstream timeout', finishedAt: new Date().toISOString() });
			const pick = (name) => (params[name] === undefined ? {} : { [name === 'signaturePrefix' ? 'prefix' : name]: params[name] });
			const scheme = { ...sign.SYNCHUB_DEFAULT_SCHEME, ...pick('algorithm'), ...pick('encoding'), ...pick('signaturePrefix'), ...pick('signedContent') };
			const headers = sign.signingHeaders(
				{ scheme: 'hmac', secret: secret('synchubWebhookApi').secret, hmac: scheme, signatureHeader: params.signatureHeader ?? sign.SYNCHUB_DEFAULT_HEADER, timestampHeader: params.timestampHeader || undefined },
				Buffer.from(body),
				sign.newDeliveryId(),
				Date.now(),
			);
			return { headers: { 'content-type': 'application/json', ...headers }, body };
		},
		// The signature of the valid body, on a body that says something else.
		bad: (ctx, valid) => ({ ...valid, body: valid.body.replace('"failed"', '"succeeded"'), what: 'a body that does not match its signature' }),
	},
	{
		vendor: 'apirtc',
		template: 'apirtc-ticket-state.json',
		valid: ({ secret, sign }) => {
			const { headerName, secret: value } = secret('apiRtcWebhookApi');
			const headers = sign.signingHeaders({ scheme: 'customHeader', headerName, value }, Buffer.alloc(0), '', Date.now());
			// ApiRTC sends this very Content-Type.
			const body = JSON.stringify({ event: 'update', time: nowSec(), object: 'ticket', objectId: 100, props: { state: 'closed' } });
			return { headers: { 'content-type': 'application/JSON', ...headers }, body };
		},
		bad: ({ secret }, valid) => ({ ...valid, headers: { ...valid.headers, [secret('apiRtcWebhookApi').headerName]: 'not-the-secret' }, what: 'a wrong secret header' }),
	},
	{
		vendor: 'roomle',
		template: 'roomle-share-email.json',
		timeBound: true,
		valid: (ctx) => roomleDelivery(ctx, Date.now()),
		bad: (ctx) => ({ ...roomleDelivery(ctx, Date.now() - STALE_MS), what: 'a token issued 10 minutes ago' }),
	},
	...['event-webhook-router.json', 'dedup-redelivery.json', 'recover-failed-deliveries.json'].map((template) => ({
		vendor: 'event',
		template,
		node: template === 'recover-failed-deliveries.json' ? 'Run now' : undefined,
		note:
			template === 'recover-failed-deliveries.json'
				? 'dry run; the run itself needs an n8n API key (the template\'s Setup note) and fails until it has one'
				: template === 'dedup-redelivery.json'
					? 'a re-delivery of the same event is answered too; Remove Duplicates lets it through once'
					: undefined,
		valid: ({ secret, params, sign }) => {
			const body = JSON.stringify(
				template === 'recover-failed-deliveries.json'
					? { event_time: nowSec(), event_type: 'recovery.run', current_context: { source: 'demo' }, data: { dryRun: true } }
					: { event_time: nowSec(), event_type: 'order.created', current_context: { tenant: 'demo' }, data: { orderId: template === 'dedup-redelivery.json' ? 'demo-1' : 'demo-2' } },
			);
			const headers = sign.signingHeaders({ scheme: 'apiKey', apiKey: secret('eventWebhookApi').apiKey, headerName: params.headerName ?? 'x-api-key', bearer: false }, Buffer.from(body), '', Date.now());
			return { headers: { 'content-type': 'application/json', ...headers }, body };
		},
		bad: ({ params }, valid) => ({ ...valid, headers: { ...valid.headers, [params.headerName ?? 'x-api-key']: 'not-the-api-key' }, what: 'a wrong API key' }),
	})),
	{
		vendor: 'event',
		template: 'send-signed-event.json',
		note: 'n8n\'s Webhook: Send Webhook signs the event and delivers it to the Event Webhook Trigger of event-webhook-router.json',
		valid: () => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify({ event_type: 'order.forwarded', orderId: 7 }) }),
		// Nothing to sign here: an empty event type is what Send Webhook refuses to send.
		bad: () => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify({ event_type: '', orderId: 7 }), what: 'an empty event_type (nothing is delivered)' }),
	},
	{
		vendor: 'github',
		template: 'github-route-by-event.json',
		note: 'a push as GitHub signs it (X-Hub-Signature-256); Route by event sends it to Push',
		valid: ({ secret, sign }) => {
			const body = JSON.stringify({ ref: 'refs/heads/main', pusher: { name: 'demo' }, repository: { full_name: 'demo/repo' }, commits: [{ id: 'c0ffee', message: 'Demo commit', url: 'https://github.com/demo/repo/commit/c0ffee' }] });
			const signature = sign.signingHeaders({ scheme: 'preset', preset: 'github', secret: secret('webhookHmacSecretApi').secret }, Buffer.from(body), '', Date.now());
			return { headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': crypto.randomUUID(), ...signature }, body };
		},
		bad: (_ctx, valid) => ({ ...valid, body: valid.body.replace('Demo commit', 'Changed commit'), what: 'a body changed after signing' }),
	},
];

function roomleDelivery({ secret, params, sign }, atMs) {
	const { apiKey, secret: key } = secret('roomleWebhookApi');
	const body = JSON.stringify({ event: 'email.shareConfiguration', data: { configurationId: 'usm:frame:DEMO', url: 'https://example.com/c/DEMO', email: 'buyer@example.com' } });
	const headers = sign.signingHeaders({ scheme: 'roomleToken', apiKey, secret: key, headerName: params.headerName ?? 'token', algorithm: '02' }, Buffer.from(body), '', atMs);
	return { headers: { 'content-type': 'application/json', ...headers }, body };
}

const VENDORS = [...new Set(SAMPLES.map((s) => s.vendor))];

function readJson(file) {
	return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** The template's receiving node: `sample.node` or its only node with a webhookId. */
function receivingNode(sample, workflow) {
	const nodes = workflow.nodes.filter((n) => n.webhookId && !n.disabled && (!sample.node || n.name === sample.node));
	if (nodes.length !== 1) throw new Error(`${sample.template}: expected one receiving node, found ${nodes.map((n) => n.name).join(', ') || 'none'}`);
	return nodes[0];
}

/** The production path n8n registers: ours `<webhookId>/webhook`, n8n's Webhook node its path. */
function productionPath(node) {
	return node.type.startsWith(`${PKG}.`) ? `${node.webhookId}/webhook` : String(node.parameters.path).replace(/^\//, '');
}

/**
 * The deliveries for `samples` (valid, and bad with `bad`): [{sample, workflowName, node, path,
 * url(baseUrl), valid, bad}]. `credentials`: the array of the credentials file.
 */
function buildDeliveries(samples, credentials, { bad = false, templatesDir = TEMPLATES_DIR } = {}) {
	const sign = signing();
	return samples.map((sample) => {
		const workflow = readJson(path.join(templatesDir, sample.template));
		const node = receivingNode(sample, workflow);
		const secret = (type) => {
			const ref = node.credentials?.[type];
			const found = credentials.find((c) => ref && c.id === ref.id) ?? credentials.find((c) => c.type === type);
			if (!found) throw new Error(`${sample.template}: no ${type} credential in the credentials file`);
			return found.data;
		};
		const ctx = { secret, params: { ...node.parameters, ...node.parameters.options }, sign };
		const valid = sample.valid(ctx);
		return {
			sample,
			workflowName: workflow.name,
			node: node.name,
			path: productionPath(node),
			// A time-bound delivery (Roomle token) is accepted this long after it was built, and once.
			validForSec: sample.timeBound && Number(ctx.params.toleranceSeconds ?? 300) > 0 ? Number(ctx.params.toleranceSeconds ?? 300) : undefined,
			valid,
			bad: bad ? sample.bad(ctx, valid) : undefined,
		};
	});
}

function withQuery(url, query) {
	if (!query) return url;
	const u = new URL(url);
	for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
	return u.toString();
}

/** POSIX shell single-quoting. */
const sq = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

/** A curl command line that sends `delivery` to `url` and prints the answer and its status. */
function curlCommand(url, delivery) {
	const parts = ['curl', '-sS', '-w', sq('\\n%{http_code}\\n'), sq(withQuery(url, delivery.query))];
	for (const [k, v] of Object.entries(delivery.headers ?? {})) parts.push('-H', sq(`${k}: ${v}`));
	parts.push('--data-raw', sq(delivery.body));
	return parts.join(' ');
}

/** POSTs a delivery; resolves {status, body} (the body as text). */
async function send(url, delivery) {
	const res = await fetch(withQuery(url, delivery.query), {
		method: 'POST',
		headers: delivery.headers,
		body: delivery.body,
		signal: AbortSignal.timeout(30000),
	});
	return { status: res.status, body: await res.text() };
}

/** The URL with query secrets replaced by … (for printing). */
function shownUrl(url, query) {
	return query ? `${url}?${Object.keys(query).map((k) => `${k}=…`).join('&')}` : url;
}

function usage(code) {
	process.stdout.write(
		`usage: npm run demo:send -- <${VENDORS.join('|')}|all> [--bad]\n` +
			'  Sends a valid, signed sample delivery to each template of the n8n that npm start runs\n' +
			'  (env N8N_PORT, default 5678) and prints the answers; --bad also sends one that is refused.\n',
	);
	process.exit(code);
}

async function main(argv) {
	const args = argv.filter((a) => !a.startsWith('--'));
	const flags = argv.filter((a) => a.startsWith('--'));
	if (flags.includes('--help') || args.length === 0) usage(args.length === 0 && !flags.includes('--help') ? 2 : 0);
	const unknownFlag = flags.find((f) => f !== '--bad' && f !== '--help');
	const unknown = args.filter((a) => a !== 'all' && !VENDORS.includes(a));
	if (unknownFlag || unknown.length) {
		process.stderr.write(`unknown: ${[unknownFlag, ...unknown].filter(Boolean).join(' ')}\n`);
		usage(2);
	}
	const bad = flags.includes('--bad');
	const wanted = args.includes('all') ? VENDORS : args;
	const baseUrl = `http://127.0.0.1:${Number(process.env.N8N_PORT || 5678)}`;

	const file = secretsFile();
	if (!fs.existsSync(file)) throw new Error(`${file} does not exist: start n8n with npm start first (it creates it)`);
	try {
		await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(5000) });
	} catch (e) {
		throw new Error(`no n8n answers on ${baseUrl} (${e.cause?.code ?? e.message}): start it with npm start (same N8N_PORT)`);
	}

	const deliveries = buildDeliveries(SAMPLES.filter((s) => wanted.includes(s.vendor)), readJson(file), { bad });
	process.stdout.write(`n8n at ${baseUrl}; secrets from ${path.relative(process.cwd(), file) || file}\n`);
	let failures = 0;
	for (const d of deliveries) {
		const url = `${baseUrl}/webhook/${d.path}`;
		process.stdout.write(`\n${d.sample.vendor}: ${d.sample.template} (${d.node})\n  POST ${shownUrl(url, d.valid.query)}\n`);
		if (d.sample.note) process.stdout.write(`  (${d.sample.note})\n`);
		const attempts = [['valid', d.valid]];
		if (d.sample.template === 'dedup-redelivery.json') attempts.push(['same again', d.valid]);
		if (d.bad) attempts.push([`bad: ${d.bad.what}`, d.bad]);
		for (const [label, delivery] of attempts) {
			const answer = await send(url, delivery);
			const accepted = answer.status >= 200 && answer.status < 300;
			const expected = label.startsWith('bad') ? !accepted : accepted;
			let hint = '';
			if (answer.status === 404) hint = '   <- not registered: is the workflow active in this n8n?';
			else if (!expected) hint = label.startsWith('bad') ? '   <- expected a refusal' : '   <- expected 2xx';
			if (!expected) failures++;
			process.stdout.write(`  ${label}: ${answer.status} ${answer.body.trim() || '(empty body)'}${hint}\n`);
		}
	}
	process.stdout.write(`\n${failures ? `${failures} answer(s) not as expected` : 'every answer as expected'}. Executions: ${baseUrl}/home/executions\n`);
	return failures ? 1 : 0;
}

module.exports = { SAMPLES, VENDORS, buildDeliveries, curlCommand, secretsFile, send, shownUrl };

if (require.main === module) {
	main(process.argv.slice(2)).then(
		(code) => process.exit(code),
		(e) => {
			process.stderr.write(`[demo-send] ${e.message}\n`);
			process.exit(1);
		},
	);
}
