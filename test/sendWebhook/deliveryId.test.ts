/**
 * The Delivery ID option: random by default, an expression for idempotent re-runs (the same
 * data sent again gets the same id, so a receiver can drop the duplicate), the same id on every
 * attempt, unique per request, and an optional header for the schemes that send no id.
 * Real in-process runs against a real 127.0.0.1 server; Standard Webhooks ids verified with the
 * shared verifier.
 */
import { normalizeHeaders } from '../../nodes/shared/encoding';
import { verifyStandardWebhook } from '../../nodes/shared/standardWebhooks';
import { outputOf, send, useReceiver } from './helpers';

const LOCAL = { blockPrivateAddresses: false };
const WHSEC = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const standard = { standardWebhooksApi: { secret: WHSEC } };

/** Answers 500 to the first request of each path listed here, 200 otherwise. */
const failFirst = new Set<string>();

const receiver = useReceiver((req, res) => {
	if (req.url && failFirst.has(req.url)) {
		failFirst.delete(req.url);
		res.writeHead(500);
		res.end();
		return;
	}
	res.writeHead(200, { 'content-type': 'application/json' });
	res.end('{"received":true}');
});

const webhookIds = () => receiver.server.requests.map((r) => r.headers['webhook-id']);

describe('Delivery ID', () => {
	it('empty (the default): a new random msg_ id per request, as before', async () => {
		const output = outputOf(await send({ parameters: { url: receiver.server.url, signing: 'standardWebhooks', options: LOCAL }, credentials: standard, items: [{}, {}, {}] }));
		const ids = output.map((item) => item.deliveryId);
		expect(ids.every((id) => /^msg_[0-9a-f]{32}$/.test(id))).toBe(true);
		expect(new Set(ids).size).toBe(3);
		expect(new Set(webhookIds())).toEqual(new Set(ids));
	});

	it('an expression per item becomes webhook-id, signed and verifiable; sending the same data again sends the same ids', async () => {
		const items = [{ eventId: 'evt_1' }, { eventId: 'evt_2' }];
		const parameters = { url: receiver.server.url, signing: 'standardWebhooks', options: { ...LOCAL, deliveryId: '={{ "order-" + $json.eventId }}', concurrency: 1 } };
		const first = outputOf(await send({ parameters, credentials: standard, items }));
		expect(first.map((item) => item.deliveryId)).toEqual(['order-evt_1', 'order-evt_2']);
		expect(webhookIds()).toEqual(['order-evt_1', 'order-evt_2']);
		for (const request of receiver.server.requests) {
			expect(verifyStandardWebhook({ headers: normalizeHeaders(request.headers), body: request.body, secrets: [WHSEC], toleranceSec: 300, clock: Date.now })).toMatchObject({
				id: request.headers['webhook-id'],
			});
		}

		// A re-run with the same input (another execution): the receiver sees the same ids and can deduplicate.
		receiver.server.requests.length = 0;
		const again = outputOf(await send({ parameters, credentials: standard, items }));
		expect(again.map((item) => item.deliveryId)).toEqual(['order-evt_1', 'order-evt_2']);
		expect(webhookIds()).toEqual(['order-evt_1', 'order-evt_2']);
	});

	it('the same id on every attempt of a retried request (fresh timestamp and signature each time)', async () => {
		failFirst.add('/hook?retry');
		const output = outputOf(
			await send({
				parameters: { url: `${receiver.server.url}?retry`, signing: 'standardWebhooks', options: { ...LOCAL, deliveryId: '={{ $json.id }}', backoffBaseMs: 0 } },
				credentials: standard,
				items: [{ id: 'stable-42' }],
			}),
		);
		expect(output[0]).toMatchObject({ ok: true, attempts: 2, deliveryId: 'stable-42' });
		expect(webhookIds()).toEqual(['stable-42', 'stable-42']);
	});

	it('$itemIndex (a number) is accepted; batch mode evaluates the id for the first item of each request', async () => {
		const output = outputOf(
			await send({
				parameters: { url: receiver.server.url, mode: 'batch', signing: 'standardWebhooks', options: { ...LOCAL, maxBatchSize: 2, deliveryId: '={{ $itemIndex }}' } },
				credentials: standard,
				items: [{}, {}, {}, {}, {}],
			}),
		);
		expect(output.map((item) => item.deliveryId)).toEqual(['0', '2', '4']);
		expect(new Set(webhookIds())).toEqual(new Set(['0', '2', '4']));
	});

	it('two requests with the same id fail the node naming both items (receivers would drop one), before anything is sent', async () => {
		const result = await send({
			parameters: { url: receiver.server.url, signing: 'standardWebhooks', options: { ...LOCAL, deliveryId: '={{ $json.group }}' } },
			credentials: standard,
			items: [{ group: 'a' }, { group: 'b' }, { group: 'a' }],
		});
		expect(result.error?.name).toBe('NodeOperationError');
		expect(result.error?.message).toContain('Item 2 has the same Delivery ID as item 0');
		expect(receiver.server.requests).toHaveLength(0);
	});

	it('with Continue On Fail only the duplicate fails', async () => {
		const output = outputOf(
			await send({
				parameters: { url: receiver.server.url, signing: 'standardWebhooks', options: { ...LOCAL, deliveryId: '={{ $json.group }}' } },
				credentials: standard,
				items: [{ group: 'a' }, { group: 'b' }, { group: 'a' }],
				continueOnFail: true,
			}),
		);
		expect(output.map((item) => item.ok)).toEqual([true, true, false]);
		expect(output[2].error).toMatchObject({ code: 'invalid_item' });
		expect(webhookIds().sort()).toEqual(['a', 'b']);
	});

	it.each([
		['a space', '={{ "two words" }}', 9],
		['non-ASCII', '={{ "commande-é" }}', 10],
		['more than 256 characters', '={{ "x".repeat(257) }}', 257],
		['a line break', '={{ "a\\nb" }}', 3],
	])('an id with %s is refused, naming the item and not echoing the value', async (_what, expression, length) => {
		const result = await send({
			parameters: { url: receiver.server.url, signing: 'standardWebhooks', options: { ...LOCAL, deliveryId: expression } },
			credentials: standard,
			items: [{}],
		});
		expect(result.error?.message).toBe(`Item 0: Delivery ID must be 1 to 256 visible ASCII characters without spaces (got ${length} characters)`);
		expect(receiver.server.requests).toHaveLength(0);
	});

	it('an expression that yields nothing but spaces falls back to a random id', async () => {
		const output = outputOf(
			await send({ parameters: { url: receiver.server.url, signing: 'standardWebhooks', options: { ...LOCAL, deliveryId: '={{ "  " }}' } }, credentials: standard, items: [{}] }),
		);
		expect(output[0].deliveryId).toMatch(/^msg_[0-9a-f]{32}$/);
	});
});

describe('Delivery ID Header', () => {
	const apiKey = { eventWebhookApi: { apiKey: 'delivery-id-api-key-0123456789' } };

	it('schemes without an id send none by default', async () => {
		outputOf(await send({ parameters: { url: receiver.server.url, signing: 'apiKey', options: { ...LOCAL, deliveryId: 'fixed-1' } }, credentials: apiKey, items: [{}] }));
		expect(receiver.server.requests[0].headers['x-delivery-id']).toBeUndefined();
		expect(receiver.server.requests[0].headers['webhook-id']).toBeUndefined();
	});

	it('named, it carries the delivery id on every attempt (API key, HMAC, unsigned)', async () => {
		failFirst.add('/hook?header');
		outputOf(
			await send({
				parameters: { url: `${receiver.server.url}?header`, signing: 'apiKey', options: { ...LOCAL, deliveryId: 'evt-9', deliveryIdHeader: 'X-Delivery-ID', backoffBaseMs: 0 } },
				credentials: apiKey,
				items: [{}],
			}),
		);
		expect(receiver.server.requests.map((r) => r.headers['x-delivery-id'])).toEqual(['evt-9', 'evt-9']);

		receiver.server.requests.length = 0;
		const output = outputOf(
			await send({
				parameters: { url: receiver.server.url, signing: 'hmac', options: { ...LOCAL, deliveryIdHeader: 'x-request-id' } },
				credentials: { webhookHmacSecretApi: { secret: 'delivery-id-hmac-secret' } },
				items: [{}],
			}),
		);
		expect(receiver.server.requests[0].headers['x-request-id']).toBe(output[0].deliveryId);

		receiver.server.requests.length = 0;
		outputOf(await send({ parameters: { url: receiver.server.url, signing: 'none', options: { ...LOCAL, deliveryIdHeader: 'idempotency-key', deliveryId: 'k-1' } }, items: [{}] }));
		expect(receiver.server.requests[0].headers['idempotency-key']).toBe('k-1');
	});

	it.each(['host', 'Content-Length', 'content-type', 'bad header', 'x:y'])('%p is refused as a header name', async (name) => {
		const result = await send({ parameters: { url: receiver.server.url, signing: 'none', options: { ...LOCAL, deliveryIdHeader: name } }, items: [{}] });
		expect(result.error?.name).toBe('NodeOperationError');
		expect(result.error?.message).toContain('Delivery ID Header');
		expect(receiver.server.requests).toHaveLength(0);
	});
});
