import { z } from 'zod';

import { ApiRtcEventSchema } from '../../../nodes/ApiRtcTrigger/schema';
import { SynthesisVrEventSchema } from '../../../nodes/SynthesisVrTrigger/schema';
import { parseJsonBody, parseWith } from '../../../nodes/shared/validation';
import { APIRTC_TICKET_BODY, SYNTHESISVR_CREATE_BODY } from '../../vectors';
import { expectDeliveryError } from '../../vectors/deliveryError';

describe('parseWith: the path in a message', () => {
	const pathOf = (schema: z.ZodType, value: unknown, prefix: PropertyKey[] = []) =>
		expectDeliveryError(() => parseWith(schema, value, prefix), 'bad_payload').message.split(': ')[0];

	it('renders array indexes and nested keys as a user reads them', () => {
		expect(pathOf(z.object({ uuid: z.string() }), {}, [1])).toBe('[1].uuid');
		expect(pathOf(z.object({ props: z.object({ geoloc: z.object({ lat: z.number() }) }) }), { props: { geoloc: { lat: 'north' } } })).toBe('props.geoloc.lat');
		expect(pathOf(z.object({ items: z.array(z.object({ id: z.string() })) }), { items: [{}] })).toBe('items[0].id');
		// An empty path is the body itself.
		expect(pathOf(z.string(), 1)).toBe('body');
	});
});

describe('parseWith: path-precise messages', () => {
	it('names [1].uuid for a SynthesisVR array whose second event has no uuid', () => {
		const fields = '"location":"L","stations":1,"customerid":7';
		const body = parseJsonBody(Buffer.from(`[{"uuid":"a","action":"create",${fields}},{"action":"delete",${fields}}]`));
		const list = body as unknown[];
		expect(parseWith(SynthesisVrEventSchema, list[0], [0]).uuid).toBe('a');
		const error = expectDeliveryError(() => parseWith(SynthesisVrEventSchema, list[1], [1]), 'bad_payload');
		expect(error.message).toContain('[1].uuid');
		expect(error.message).toBe('[1].uuid: required');
	});

	it('names the wrong ApiRTC event value and lists the accepted ones', () => {
		const body = { ...(JSON.parse(APIRTC_TICKET_BODY) as Record<string, unknown>), event: 'created' };
		const error = expectDeliveryError(() => parseWith(ApiRtcEventSchema, body), 'bad_payload');
		expect(error.message).toBe('event: expected "create" | "update" | "delete"');
	});

	it('names nested props paths', () => {
		const body = { ...(JSON.parse(APIRTC_TICKET_BODY) as Record<string, unknown>), props: { geoloc: { lat: 'north' } } };
		const error = expectDeliveryError(() => parseWith(ApiRtcEventSchema, body), 'bad_payload');
		expect(error.message).toContain('props.geoloc.lat: expected number');
	});

	it('says "body" for a root-level problem and caps the list', () => {
		expect(expectDeliveryError(() => parseWith(SynthesisVrEventSchema, 'text'), 'bad_payload').message).toMatch(/^body: /);
		const schema = z.object({ a: z.string(), b: z.string(), c: z.string(), d: z.string(), e: z.string() });
		const error = expectDeliveryError(() => parseWith(schema, {}), 'bad_payload');
		expect(error.message.split('; ')).toHaveLength(4);
		expect(error.message).toContain('(+2 more)');
	});

	it('keeps unknown fields (vendors add fields without notice)', () => {
		const event = parseWith(SynthesisVrEventSchema, { uuid: 'u', action: 'archive', extra: { x: 1 } });
		expect(event).toEqual({ uuid: 'u', action: 'archive', extra: { x: 1 } });
	});
});

describe('parseJsonBody', () => {
	it('parses the raw bytes of a real body', () => {
		expect(parseJsonBody(Buffer.from(SYNTHESISVR_CREATE_BODY))).toEqual([
			{ uuid: '41509791-3de8-5bb9-b4fc-a9753da95aad', action: 'create', location: 'Kamen Test', stations: 1, customerid: 7685 },
		]);
	});

	it('parses a BOM-prefixed body', () => {
		const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":"ü"}', 'utf8')]);
		expect(parseJsonBody(body)).toEqual({ a: 'ü' });
	});

	it('rejects an empty or whitespace body', () => {
		for (const text of ['', '   \n', '\ufeff']) {
			expect(expectDeliveryError(() => parseJsonBody(Buffer.from(text, 'utf8')), 'bad_payload').message).toMatch(/empty/);
		}
	});

	it('rejects a body that is not JSON, without echoing it', () => {
		for (const text of ['event=create&uuid=1', '{"a":1', "{'a':1}", 'secret-looking-body-value']) {
			const error = expectDeliveryError(() => parseJsonBody(Buffer.from(text)), 'bad_payload', [text]);
			expect(error.message).toBe('The body is not valid JSON');
		}
	});
});
