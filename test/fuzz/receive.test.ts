/**
 * Every receive function, fed hostile deliveries: any body (vendor-shaped, corrupted, raw bytes,
 * deep, wide, huge, invalid UTF-8, __proto__ keys), any header map, query and IP, with the
 * credential presented validly, not at all, signed with another secret, padded or garbled.
 *
 * Contract: nothing but a DeliveryError with a 4xx status escapes; the answer and the log message
 * hold no secret; an accepted delivery yields items with the documented meta, that n8n can
 * serialise; and a node that checks a credential never accepts a delivery without a valid one.
 */
import { normalizeHeaders } from '../../nodes/shared/encoding';
import * as fc from 'fast-check';

import { DEFAULT_MAX_BODY_KIB, type Delivery } from '../../nodes/shared/delivery';
import { DEFAULT_MAX_EVENTS } from '../../nodes/SynthesisVrTrigger/receive';
import { bodyFor, headerMap, ipArb, queryMap, RECEIVED_AT, type Vendor } from './arbitraries';
import { attempt, ensure, ensureAccepted, isUtf8 } from './contracts';
import { fuzz } from './run';
import {
	authConfigured,
	mergeHeaders,
	MUST_REFUSE,
	present,
	presentationArb,
	receive,
	secretHeadersOf,
	secretsOf,
	settingsArb,
	VENDOR_NAMES,
} from './scenarios';

const VENDORS: Vendor[] = ['synthesisVr', 'synchub', 'apiRtc', 'roomle', 'eventWebhook'];

describe('receive functions: hostile deliveries', () => {
	for (const vendor of VENDORS) {
		fuzz(`receive ${vendor}: only 4xx DeliveryErrors, documented meta, no secret, no credential no entry`, () =>
			fc.property(
				settingsArb[vendor],
				bodyFor(vendor),
				headerMap,
				queryMap,
				ipArb,
				presentationArb,
				fc.boolean(),
				(configured, body, hostileHeaders, hostileQuery, ip, presentation, credentialsFirst) => {
					const credentials = present(configured, body, presentation);
					const delivery: Delivery = {
						body,
						headers: normalizeHeaders(mergeHeaders(hostileHeaders, credentials.headers, credentialsFirst)),
						query: { ...hostileQuery, ...credentials.query },
						ip,
						receivedAt: RECEIVED_AT,
					};
					const secrets = secretsOf(configured);
					const outcome = attempt(() => receive(configured, delivery), secrets);
					if (!outcome.accepted) return;
					const checked = authConfigured(configured);
					ensureAccepted(outcome.value, delivery, {
						vendor: VENDOR_NAMES[vendor],
						verified: checked,
						includeHeaders: configured.settings.includeHeaders === true,
						secretHeaders: secretHeadersOf(configured),
						secrets,
					});
					// Limits and encoding, answered before any execution (issue 9): every vendor's body is JSON.
					ensure(isUtf8(body), 'a body that is not UTF-8 was accepted');
					const maxBytes = configured.settings.maxBodyBytes ?? DEFAULT_MAX_BODY_KIB * 1024;
					ensure(body.length <= maxBytes, () => `a body of ${body.length} bytes was accepted (limit ${maxBytes})`);
					if (configured.vendor === 'synthesisVr') {
						const maxEvents = configured.settings.maxEvents ?? DEFAULT_MAX_EVENTS;
						const events = outcome.value.items.length + outcome.value.ignored;
						ensure(events <= maxEvents, () => `${events} events were accepted in one delivery (limit ${maxEvents})`);
					}
					const wrongIsRight = presentation.kind === 'wrongSecret' && secrets.some((secret) => secret.includes(presentation.otherSecret));
					if (checked && MUST_REFUSE.has(presentation.kind) && !wrongIsRight) {
						ensure(false, `a delivery with credential "${presentation.kind}" was accepted`);
					}
				},
			),
		);
	}
});
