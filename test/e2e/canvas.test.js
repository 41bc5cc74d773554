'use strict';
// The n8n editor, in a real browser (Debian chromium + playwright-core), on one real n8n with this
// package installed and the six templates imported: sign-in form, every template's canvas renders
// each of our nodes with its own SVG icon (an <img> served from our package, loaded, the same bytes
// as dist/, never n8n's letter placeholder; .dark.svg under a dark colour scheme), the nodes panel
// finds our nodes by vendor name and alias, the Roomle Trigger parameter panel opens, and Send
// Webhook's credential picker sits after its Signing choice.
// Runs on n8n 2.x and 1.x (N8N_VERSION=1.123.81); what differs between their editors is in UI below.
// Screenshots (1280×800) go to a temp folder, so `npm test` changes no tracked file; with
// N8N_E2E_SCREENSHOTS_DIR (set by `npm run screenshots` to docs/) they go there on n8n 2.x (1.x
// always uses the temp folder: docs/ shows 2.x).
// Skips when chromium or playwright-core is missing (fails instead when CI is set).

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startE2E, e2eTest } = require('./harness');
const { launchBrowser, browserUnavailable } = require('./browser');

const unavailable = browserUnavailable();
// In CI the browser is installed by .ci/run: a missing one is a failure there, not a skip.
if (unavailable && process.env.CI) throw new Error(`canvas check: browser unavailable: ${unavailable}`);
const t = e2eTest({ skip: unavailable && `browser unavailable: ${unavailable}` });
const COLD_TIMEOUT = 15 * 60 * 1000; // first run installs Node 24 + n8n (~4 min)

const ROOT = path.resolve(__dirname, '..', '..');
const PKG = require(path.join(ROOT, 'package.json')).name;
const tempShots = (version) => path.join(os.tmpdir(), `n8n-e2e-screenshots-${version}`);
const TEMPLATES = path.join(ROOT, 'templates');

// Our node types → their icon file under dist/nodes/ (light; the dark one is <name>.dark.svg).
const ICONS = {
	[`${PKG}.synthesisVrTrigger`]: 'SynthesisVrTrigger/synthesisVr.svg',
	[`${PKG}.synchubTrigger`]: 'SynchubTrigger/synchub.svg',
	[`${PKG}.apiRtcTrigger`]: 'ApiRtcTrigger/apiRtc.svg',
	[`${PKG}.roomleTrigger`]: 'RoomleTrigger/roomle.svg',
	[`${PKG}.eventWebhookTrigger`]: 'EventWebhookTrigger/eventWebhook.svg',
	[`${PKG}.signedWebhookTrigger`]: 'SignedWebhookTrigger/signedWebhook.svg',
	[`${PKG}.sendWebhook`]: 'SendWebhook/sendWebhook.svg',
};
const iconUrlPath = (type, dark = false) => {
	const file = ICONS[type];
	assert.ok(file, `no expected icon for ${type}: add it to ICONS`);
	return `/icons/${PKG}/dist/nodes/${dark ? file.replace(/\.svg$/, '.dark.svg') : file}`;
};

// Nodes-panel searches: what a user types → the node type that must be among the results.
const SEARCHES = [
	['SynthesisVR', `${PKG}.synthesisVrTrigger`],
	['SYNCHUB', `${PKG}.synchubTrigger`],
	['ApiRTC', `${PKG}.apiRtcTrigger`],
	['Apizee', `${PKG}.apiRtcTrigger`],
	['Roomle', `${PKG}.roomleTrigger`],
	['event webhook', `${PKG}.eventWebhookTrigger`],
	['send webhook', `${PKG}.sendWebhook`],
	// The Signed Webhook Trigger is found by the senders it has presets for.
	...['GitHub', 'Stripe', 'Shopify', 'Slack', 'Svix', 'Standard Webhooks'].map((term) => [term, `${PKG}.signedWebhookTrigger`]),
	// Every trigger is found by what it does, not only by its vendor's name.
	...['synthesisVrTrigger', 'synchubTrigger', 'apiRtcTrigger', 'roomleTrigger', 'eventWebhookTrigger', 'signedWebhookTrigger'].flatMap((name) =>
		['webhook', 'hmac', 'signature'].map((term) => [term, `${PKG}.${name}`]),
	),
];

/** What each template's triggers show under their name on the canvas: words, not option values. */
const SUBTITLES = {
	'synchub-failed-sync-alert': { 'SYNCHUB Trigger': 'HMAC SHA-256' },
	'synthesisvr-sessions': { 'SynthesisVR Trigger': /^(All session events|Sessions: .+)$/ },
	'apirtc-ticket-state': { 'ApiRTC Trigger': /^(All events|[A-Z][A-Za-z, ]+ events)$/ },
	'send-signed-event': { 'Send Webhook': 'API key header' },
	'github-route-by-event': { 'Signed Webhook Trigger': 'GitHub' },
};

// Selectors found by inspecting n8n 2.41's and 1.123's editors (data-test-id attributes are n8n's
// own test hooks). Both share these; what differs per major version is in UI below.
const SEL = {
	// 2.x: <input id="emailOrLdapLoginId" name=…>; 1.x (element-plus): <input id="el-id-…" name=…>.
	email: 'input[name="emailOrLdapLoginId"]',
	password: 'input[name="password"]',
	signIn: '[data-test-id="form-submit-button"]',
	canvasNode: '[data-test-id="canvas-node"]',
	nodeIcon: '.n8n-node-icon',
	// n8n's NodeIcon renders <div class="_nodeIconPlaceholder_…">first letter</div> when it has no icon.
	iconPlaceholder: '[class*="nodeIconPlaceholder"]',
	checklistClose: '[data-test-id="suggested-actions-close"]',
	plusButton: '[data-test-id="node-creator-plus-button"]',
	nodeCreator: '[data-test-id="node-creator"]',
	creatorSearch: 'input[data-test-id="node-creator-search-bar"]',
	creatorItem: '[data-test-id="item-iterator-item"]',
	creatorItemName: '[data-test-id="node-creator-item-name"]',
	ndv: '[data-test-id="ndv"]',
	ndvTitle: '[data-test-id="node-title-container"]',
	ndvParameters: '[data-test-id="node-parameters"]',
	ndvCredentials: '[data-test-id="node-credentials-select"]',
	// The credential picker's label: there with a credential selected and with none yet ("Connect to ...").
	ndvCredentialsLabel: '[data-test-id="credentials-label"]',
	canvasNodeSubtitle: '[class*="subtitle"]',
	triggerHeader: '[data-test-id="trigger-header"]',
};

// Where the n8n major versions' editors differ (keyed by major; a newer major uses the highest).
const UI = {
	1: {
		// The NDV header is a <div>; the node icon sits inside the title container.
		ndvHeaderIcon: `${SEL.ndvTitle} ${SEL.nodeIcon}`,
		// 1.x has no "Production Checklist" popover (SEL.checklistClose): do not wait for one.
		productionChecklist: false,
		// docs/ shows the default n8n (2.x): keep 1.x screenshots out of it.
		screenshotDir: (version) => tempShots(version),
	},
	2: {
		// The NDV header is a <header>; the node icon is a sibling of the title container.
		ndvHeaderIcon: `header:has(${SEL.ndvTitle}) ${SEL.nodeIcon}`,
		productionChecklist: true,
		screenshotDir: (version) => (process.env.N8N_E2E_SCREENSHOTS_DIR ? path.resolve(process.env.N8N_E2E_SCREENSHOTS_DIR) : tempShots(version)),
	},
};
function uiFor(version) {
	const major = Number(String(version).split('.')[0]);
	const known = Object.keys(UI).map(Number).sort((a, b) => a - b);
	assert.ok(major >= known[0], `n8n ${version}: the editor UI of n8n ${major}.x is not known to this test`);
	return UI[Math.min(major, known[known.length - 1])];
}

const templates = fs
	.readdirSync(TEMPLATES)
	.filter((f) => f.endsWith('.json'))
	.sort()
	.map((f) => ({ file: path.join(TEMPLATES, f), slug: path.basename(f, '.json'), wf: JSON.parse(fs.readFileSync(path.join(TEMPLATES, f), 'utf8')) }))
	.filter((x) => Array.isArray(x.wf.nodes));

let n8n;
let browser;
let page;
let ui; // uiFor(n8n.n8nVersion)
let shots; // the folder screenshots go to
const external = []; // requests that left the n8n instance (only loopback is reachable here)
const iconResponses = []; // {url, status, type} of every icon of ours the editor fetched

const readyCanvasTimeout = 30000;

/** Waits until the canvas shows `count` nodes, every icon <img> finished and the viewport stopped moving. */
async function waitForCanvas(count) {
	await page.locator(SEL.canvasNode).first().waitFor({ state: 'visible', timeout: readyCanvasTimeout });
	await page.waitForFunction(
		({ sel, count }) => {
			const nodes = document.querySelectorAll(sel);
			if (nodes.length !== count) return false;
			if (![...document.querySelectorAll(`${sel} img`)].every((img) => img.complete)) return false;
			// vue-flow fits the view after measuring the nodes: wait for 5 frames with one transform.
			const pane = document.querySelector('.vue-flow__transformationpane');
			const now = pane ? pane.style.transform : '';
			const st = (window.__e2eCanvas = window.__e2eCanvas || { last: null, frames: 0 });
			st.frames = st.last === now ? st.frames + 1 : 0;
			st.last = now;
			return now !== '' && st.frames >= 5;
		},
		{ sel: SEL.canvasNode, count },
		{ timeout: readyCanvasTimeout, polling: 'raf' },
	);
}

/**
 * n8n opens a "Production Checklist" popover the first time a browser shows a published workflow
 * (its localforage has no firstActivatedAt yet). It covers the canvas: close it when it comes.
 */
const checklistSeen = new Set();
async function dismissChecklist(workflowId) {
	if (!ui.productionChecklist) return false;
	if (checklistSeen.has(workflowId)) return false; // it opens once per workflow and browser profile
	checklistSeen.add(workflowId);
	const close = page.locator(SEL.checklistClose);
	try {
		await close.waitFor({ state: 'visible', timeout: 5000 });
	} catch {
		return false; // n8n did not open it (already seen, or a version without it)
	}
	await close.click();
	await close.waitFor({ state: 'hidden', timeout: 5000 });
	return true;
}

/** Waits until no CSS animation/transition runs inside `locator` (panels slide in). */
async function waitForAnimations(locator) {
	await locator.evaluate((el) => Promise.all(el.getAnimations({ subtree: true }).map((a) => a.finished.catch(() => {}))));
}

/** Facts about one rendered icon: src, loaded, natural size, placeholder present. */
function iconFacts(iconContainer) {
	return iconContainer.evaluate((el, placeholderSel) => {
		const img = el.querySelector('img');
		return {
			src: img ? img.getAttribute('src') : null,
			complete: img ? img.complete : null,
			naturalWidth: img ? img.naturalWidth : 0,
			naturalHeight: img ? img.naturalHeight : 0,
			placeholder: el.querySelector(placeholderSel)?.textContent ?? null,
			svgIcon: el.querySelector('svg[data-icon]')?.getAttribute('data-icon') ?? null,
		};
	}, SEL.iconPlaceholder);
}

function assertOwnIcon(facts, type, where, { dark = false } = {}) {
	const want = iconUrlPath(type, dark);
	assert.equal(facts.placeholder, null, `${where}: n8n shows its letter placeholder "${facts.placeholder}" instead of our icon`);
	assert.equal(facts.src, want, `${where}: icon <img src> is ${facts.src} (n8n icon: ${facts.svgIcon}), expected ${want}`);
	assert.equal(facts.complete, true, `${where}: icon ${facts.src} has not finished loading`);
	assert.ok(facts.naturalWidth > 0 && facts.naturalHeight > 0, `${where}: icon ${facts.src} did not load (naturalWidth ${facts.naturalWidth})`);
}

async function openWorkflow(id, nodeCount) {
	const res = await page.goto(`${n8n.baseUrl}/workflow/${id}`);
	assert.ok(res && res.ok(), `GET /workflow/${id}: ${res && res.status()}`);
	await waitForCanvas(nodeCount);
}

/** Opens the imported workflow of templates/<slug>.json on the canvas, checklist dismissed; returns the template. */
async function openTemplate(slug) {
	const tpl = templates.find((x) => x.slug === slug);
	assert.ok(tpl, `templates/${slug}.json is missing`);
	const wf = n8n.workflows.find((w) => w.file === tpl.file);
	await openWorkflow(wf.id, tpl.wf.nodes.filter((n) => n.type !== 'n8n-nodes-base.stickyNote').length);
	await dismissChecklist(wf.id);
	return tpl;
}

t.before(async () => {
	n8n = await startE2E({
		workflows: [TEMPLATES],
		credentials: path.join(__dirname, 'fixtures', 'vendor-credentials.json'),
	});
	browser = await launchBrowser({ viewport: { width: 1280, height: 800 } });
	page = browser.page;
	page.on('request', (req) => {
		const url = req.url();
		if (!url.startsWith(n8n.baseUrl) && !/^(data|blob|about):/.test(url)) external.push(url);
	});
	page.on('response', (res) => {
		if (res.url().includes(`/icons/${PKG}/`)) {
			iconResponses.push({ url: res.url(), status: res.status(), type: res.headers()['content-type'] });
		}
	});
	ui = uiFor(n8n.n8nVersion);
	shots = ui.screenshotDir(n8n.n8nVersion);
	fs.mkdirSync(shots, { recursive: true });
}, COLD_TIMEOUT);

t.after(async () => {
	if (browser) await browser.close();
	if (n8n) await n8n.stop();
}, 60000);

t.test('signs in through the editor sign-in form', async () => {
	await page.goto(`${n8n.baseUrl}/signin`);
	await page.locator(SEL.email).fill(n8n.login.email);
	await page.locator(SEL.password).fill(n8n.login.password);
	await page.locator(SEL.signIn).click();
	await page.waitForURL((u) => !u.pathname.startsWith('/signin'), { timeout: 20000 });
	const cookies = await browser.context.cookies(n8n.baseUrl);
	assert.ok(cookies.some((c) => c.name === 'n8n-auth'), `no n8n-auth cookie after sign-in (at ${page.url()})`);
}, 60000);

for (const tpl of templates) {
	t.test(`template ${tpl.slug}: each of our nodes renders with its own icon`, async () => {
		const wf = n8n.workflows.find((w) => w.file === tpl.file);
		assert.ok(wf, `${tpl.slug} was not imported: ${JSON.stringify(n8n.workflows.map((w) => w.file))}`);
		const canvasNodes = tpl.wf.nodes.filter((n) => n.type !== 'n8n-nodes-base.stickyNote');
		const ours = canvasNodes.filter((n) => n.type.startsWith(`${PKG}.`));
		assert.ok(ours.length > 0, `${tpl.slug} uses none of our nodes`);

		await openWorkflow(wf.id, canvasNodes.length);
		for (const node of ours) {
			const el = page.locator(`${SEL.canvasNode}[data-node-name="${node.name}"]`);
			assert.equal(await el.getAttribute('data-node-type'), node.type, `${tpl.slug}: "${node.name}" is not rendered as ${node.type}`);
			assertOwnIcon(await iconFacts(el.locator(SEL.nodeIcon).first()), node.type, `${tpl.slug}: "${node.name}" on the canvas`);
			// The icon n8n serves is our file, byte for byte.
			const res = await page.request.get(`${n8n.baseUrl}${iconUrlPath(node.type)}`);
			assert.equal(res.status(), 200, `${iconUrlPath(node.type)}: ${res.status()}`);
			assert.match(res.headers()['content-type'] || '', /image\/svg\+xml/);
			const onDisk = fs.readFileSync(path.join(ROOT, 'dist', 'nodes', ICONS[node.type]));
			assert.ok(Buffer.from(await res.body()).equals(onDisk), `${iconUrlPath(node.type)} differs from dist/nodes/${ICONS[node.type]}`);
		}
		for (const [name, want] of Object.entries(SUBTITLES[tpl.slug] || {})) {
			const subtitle = (await page.locator(`${SEL.canvasNode}[data-node-name="${name}"] ${SEL.canvasNodeSubtitle}`).first().textContent()).trim();
			if (want instanceof RegExp) assert.match(subtitle, want, `${tpl.slug}: "${name}" subtitle`);
			else assert.equal(subtitle, want, `${tpl.slug}: "${name}" subtitle`);
		}
		await dismissChecklist(wf.id);
		await waitForCanvas(canvasNodes.length);
		await page.screenshot({ path: path.join(shots, `template-${tpl.slug}.png`) });
	}, 90000);
}

t.test('under a dark colour scheme the canvas uses our .dark.svg icons', async () => {
	const tpl = templates.find((x) => x.slug === 'roomle-share-email') || templates[0];
	const wf = n8n.workflows.find((w) => w.file === tpl.file);
	const canvasNodes = tpl.wf.nodes.filter((n) => n.type !== 'n8n-nodes-base.stickyNote');
	await page.emulateMedia({ colorScheme: 'dark' });
	try {
		await openWorkflow(wf.id, canvasNodes.length);
		for (const node of canvasNodes.filter((n) => n.type.startsWith(`${PKG}.`))) {
			const el = page.locator(`${SEL.canvasNode}[data-node-name="${node.name}"]`);
			assertOwnIcon(await iconFacts(el.locator(SEL.nodeIcon).first()), node.type, `${tpl.slug}: "${node.name}" (dark)`, { dark: true });
		}
	} finally {
		await page.emulateMedia({ colorScheme: 'light' });
	}
}, 60000);

t.test('the nodes panel finds our nodes by vendor name and alias, with their icons', async () => {
	const tpl = templates.find((x) => x.slug === 'roomle-share-email') || templates[0];
	const wf = n8n.workflows.find((w) => w.file === tpl.file);
	await openWorkflow(wf.id, tpl.wf.nodes.filter((n) => n.type !== 'n8n-nodes-base.stickyNote').length);
	await dismissChecklist(wf.id);

	await page.locator(SEL.plusButton).click();
	const creator = page.locator(SEL.nodeCreator);
	await creator.waitFor({ state: 'visible' });
	const search = creator.locator(SEL.creatorSearch);
	for (const [term, type] of SEARCHES) {
		await search.fill(term);
		// Items are keyed "<node type>-<uuid>" in data-keyboard-nav-id.
		const item = creator.locator(`${SEL.creatorItem}[data-keyboard-nav-id^="${type}-"]`);
		try {
			await item.first().waitFor({ state: 'visible', timeout: 10000 });
		} catch {
			const shown = await creator.locator(SEL.creatorItem).evaluateAll((els) => els.map((e) => e.getAttribute('data-keyboard-nav-id')));
			assert.fail(`searching "${term}" does not list ${type}; results: ${JSON.stringify(shown)}`);
		}
		const name = (await item.first().locator(SEL.creatorItemName).textContent()).trim();
		assert.ok(name.length > 0, `searching "${term}": ${type} has an empty name`);
		// n8n folds a trigger with an "Events" field into actions and drops "Trigger" from its name:
		// all five must be listed the same way, as "<Vendor> Trigger".
		if (type.endsWith('Trigger')) assert.match(name, / Trigger$/, `searching "${term}": ${type} is listed as "${name}"`);
		await item.first().locator('img').first().waitFor({ state: 'attached' });
		await item.first().evaluate((el) => Promise.all([...el.querySelectorAll('img')].map((img) => img.decode().catch(() => {}))));
		assertOwnIcon(await iconFacts(item.first().locator(SEL.nodeIcon).first()), type, `nodes panel, "${term}" → ${name}`);
		if (term === 'Roomle') {
			await waitForAnimations(creator);
			await page.screenshot({ path: path.join(shots, 'node-panel-search.png') });
		}
	}
	await page.keyboard.press('Escape');
	await creator.waitFor({ state: 'hidden' });
}, 90000);

t.test('the Roomle Trigger parameter panel opens with our icon, parameters and credential', async () => {
	const tpl = await openTemplate('roomle-share-email');
	const node = tpl.wf.nodes.find((n) => n.type === `${PKG}.roomleTrigger`);

	await page.locator(`${SEL.canvasNode}[data-node-name="${node.name}"]`).dblclick();
	const ndv = page.locator(SEL.ndv);
	await ndv.waitFor({ state: 'visible' });
	await ndv.locator(SEL.ndvParameters).waitFor({ state: 'visible' });
	assert.match(await ndv.locator(SEL.ndvTitle).textContent(), new RegExp(node.name));
	assertOwnIcon(await iconFacts(ndv.locator(ui.ndvHeaderIcon).first()), node.type, 'parameter panel header');
	for (const param of ['headerName', 'toleranceSeconds', 'respond', 'events']) {
		await ndv.locator(`[data-test-id="parameter-input-${param}"]`).waitFor({ state: 'visible', timeout: 5000 });
	}
	// The Authentication choice is the node's main auth field: n8n may draw it next to the credential.
	await ndv.getByText('Authentication', { exact: true }).first().waitFor({ state: 'visible', timeout: 5000 });
	const credential = await ndv.locator(`${SEL.ndvCredentials} input`).inputValue();
	assert.equal(credential, node.credentials.roomleWebhookApi.name, 'the template credential is not selected');
	// Our trigger panel, not n8n's "Pull in events from Roomle".
	const header = (await ndv.locator(SEL.triggerHeader).first().textContent()).trim();
	assert.equal(header, 'Send a test event from Roomle');
	await waitForAnimations(ndv);
	await page.screenshot({ path: path.join(shots, 'roomle-trigger-panel.png') });
	await page.keyboard.press('Escape');
	await ndv.waitFor({ state: 'hidden' });
}, 60000);

/** Opens a node's parameter panel and returns the document order of the given selectors in it (-1: absent). */
async function ndvOrder(nodeName, selectors) {
	await page.locator(`${SEL.canvasNode}[data-node-name="${nodeName}"]`).dblclick();
	const ndv = page.locator(SEL.ndv);
	await ndv.locator(SEL.ndvParameters).waitFor({ state: 'visible' });
	await ndv.locator(SEL.ndvCredentialsLabel).first().waitFor({ state: 'visible', timeout: 5000 });
	const order = await ndv.evaluate((root, sels) => {
		const all = [...root.querySelectorAll('*')];
		return sels.map((sel) => all.indexOf(root.querySelector(sel)));
	}, selectors);
	await page.keyboard.press('Escape');
	await ndv.waitFor({ state: 'hidden' });
	return order;
}

t.test('Send Webhook draws its credential picker after Signing (version 1.3: after Credential Type)', async () => {
	const input = (name) => `[data-test-id="parameter-input-${name}"]`;
	// A saved 1.1 node (the template): the picker between Signing and the API key fields.
	const tpl = await openTemplate('send-signed-event');
	const sender = tpl.wf.nodes.find((n) => n.type === `${PKG}.sendWebhook`);
	const [signing, picker, placement] = await ndvOrder(sender.name, [input('signing'), SEL.ndvCredentialsLabel, input('apiKeyPlacement')]);
	assert.ok(signing >= 0 && signing < picker && picker < placement, `version ${sender.typeVersion}: Signing ${signing}, picker ${picker}, Send Key As ${placement}`);

	// A new 1.3 node signing with HMAC: Signing, Credential Type, the picker, then the HMAC fields.
	const created = await n8n.api('/workflows', {
		method: 'POST',
		body: {
			name: 'Send Webhook 1.3 credential picker',
			nodes: [{ id: 'b6f1c1de-0d6e-4f55-9a51-2d1f6c0e13a1', name: 'Send Webhook', type: `${PKG}.sendWebhook`, typeVersion: 1.3, position: [0, 0], parameters: { url: 'https://hooks.example.com/in', signing: 'hmac' } }],
			connections: {},
			settings: {},
		},
	});
	await openWorkflow(created.id, 1);
	// No Webhook HMAC Secret exists yet: the picker offers to connect one, in the same place.
	const order = await ndvOrder('Send Webhook', [input('signing'), input('signingCredential'), SEL.ndvCredentialsLabel, input('signatureHeader')]);
	assert.ok(order[0] >= 0 && order.every((at, i) => i === 0 || at > order[i - 1]), `version 1.3: Signing, Credential Type, picker, Signature Header at ${order.join(', ')}`);
}, 60000);

t.test('every icon of ours was served 200 as SVG, and the editor reached nothing but n8n', async () => {
	assert.ok(iconResponses.length > 0, 'the editor fetched none of our icons');
	const bad = iconResponses.filter((r) => r.status !== 200 && r.status !== 304);
	assert.deepEqual(bad, [], 'icon requests that failed');
	assert.deepEqual(external, [], 'requests from the editor to hosts other than n8n (only loopback is reachable here)');
}, 10000);
