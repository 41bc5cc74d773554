'use strict';
/** What the real-n8n benchmarks share: percentiles and a bounded load generator. */
const { Agent, request } = require('undici');

function percentile(values, p) {
	if (!values.length) return NaN;
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const median = (values) => percentile(values, 50);

/**
 * Sends `total` deliveries from `clients` concurrent clients (each its own keep-alive connection)
 * and records every one: {id, status, ms, attempts}. `delivery(i)` gives {id, body, headers,
 * query}. With `retry` (a sender that retries, like SYNCHUB's or Send Webhook), a delivery that
 * got no final answer (see `retryable`) is sent again, same bytes, up to `retry.attempts` times,
 * `retry.waitMs` apart.
 * `paceMs`: each client waits that long between deliveries (a steady rate, for fault runs).
 * `onProgress(sent)` runs after each delivery (fault injection hooks in there).
 */
async function sendDeliveries(url, delivery, { total, clients, timeoutMs = 30000, retry, paceMs = 0, onProgress } = {}) {
	const dispatcher = new Agent({ connections: clients, keepAliveTimeout: 10000 });
	const records = [];
	let next = 0;
	const t0 = performance.now();
	const client = async () => {
		while (next < total) {
			const d = delivery(next++);
			const record = { id: d.id, status: null, ms: 0, attempts: 0 };
			const start = performance.now();
			for (;;) {
				record.attempts++;
				record.status = await post(dispatcher, url + (d.query || ''), d, timeoutMs);
				if (!retryable(record.status) || !retry || record.attempts >= retry.attempts) break;
				await new Promise((r) => setTimeout(r, retry.waitMs));
			}
			record.ms = performance.now() - start;
			records.push(record);
			onProgress?.(records.length);
			if (paceMs) await new Promise((r) => setTimeout(r, paceMs));
		}
	};
	try {
		await Promise.all(Array.from({ length: clients }, client));
	} finally {
		await dispatcher.close();
	}
	return { records, seconds: (performance.now() - t0) / 1000 };
}

/**
 * What a sender that retries sends again: no answer, 5xx, and the answers of an n8n that is
 * starting (404 before its webhooks are registered) or busy (408, 409, 425, 429). Never a
 * rejection of the delivery itself (400, 401, 403, 413).
 */
function retryable(status) {
	return typeof status !== 'number' || status >= 500 || [404, 408, 409, 425, 429].includes(status);
}

async function post(dispatcher, url, { body, headers }, timeoutMs) {
	try {
		const res = await request(url, { method: 'POST', body, headers, dispatcher, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
		await res.body.text();
		return res.statusCode;
	} catch (e) {
		return /timeout/i.test(e.code || e.name || '') ? 'timeout' : e.code || 'error';
	}
}

/** Counts of a record list: 2xx, 4xx, 5xx, timeouts, other errors; ack p50/p99 of the 2xx. */
function summarize(records) {
	const c = { '2xx': 0, '4xx': 0, '5xx': 0, timeout: 0, error: 0 };
	for (const r of records) {
		if (typeof r.status === 'number') c[`${Math.floor(r.status / 100)}xx`] = (c[`${Math.floor(r.status / 100)}xx`] || 0) + 1;
		else if (r.status === 'timeout') c.timeout++;
		else c.error++;
	}
	const acked = records.filter((r) => typeof r.status === 'number' && r.status < 300);
	return { ...c, p50: percentile(acked.map((r) => r.ms), 50), p99: percentile(acked.map((r) => r.ms), 99) };
}

module.exports = { percentile, median, sendDeliveries, summarize };
