'use strict';
// Debian's chromium driven by playwright-core, for the editor (canvas) e2e tests.
//
//   const { launchBrowser } = require('./browser');
//   const browser = await launchBrowser(); // {context, page, close()}
//
// Env: CHROMIUM_PATH (default /usr/bin/chromium; `apt-get install -y chromium`).

const fs = require('node:fs');
const fsp = require('node:fs/promises');
const os = require('node:os');
const path = require('node:path');

const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

// Only loopback is reachable here: without the background-networking flags chromium's own
// connections get refused and it misbehaves.
const CHROMIUM_ARGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
];

/** Why the browser tests cannot run here, or null when they can. */
function browserUnavailable() {
	try {
		require.resolve('playwright-core');
	} catch {
		return 'playwright-core is not installed (npm ci)';
	}
	if (!fs.existsSync(CHROMIUM_PATH)) return `${CHROMIUM_PATH} not found (apt-get install -y chromium, or set CHROMIUM_PATH)`;
	return null;
}

/**
 * Launches chromium with a fresh profile (a temp --user-data-dir removed on close) and a
 * 1280×800 page. Returns {context, page, userDataDir, close()}.
 */
async function launchBrowser({ viewport = { width: 1280, height: 800 }, timeoutMs = 30000 } = {}) {
	const { chromium } = require('playwright-core');
	const userDataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'n8n-e2e-chromium-'));
	let context;
	try {
		context = await chromium.launchPersistentContext(userDataDir, {
			executablePath: CHROMIUM_PATH,
			headless: true,
			args: CHROMIUM_ARGS,
			viewport,
			timeout: timeoutMs,
		});
	} catch (e) {
		await fsp.rm(userDataDir, { recursive: true, force: true });
		throw e;
	}
	context.setDefaultTimeout(15000);
	context.setDefaultNavigationTimeout(30000);
	const page = context.pages()[0] || (await context.newPage());
	const close = async () => {
		// context.close() ends the browser process that launchPersistentContext started.
		await context.close().catch(() => {});
		await fsp.rm(userDataDir, { recursive: true, force: true, maxRetries: 3 });
	};
	return { context, page, userDataDir, close };
}

module.exports = { launchBrowser, browserUnavailable, CHROMIUM_PATH, CHROMIUM_ARGS };
