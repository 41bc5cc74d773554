/**
 * What the n8n-level properties share: node parameters and credentials built from the settings
 * the pure properties use, request values as Node/Express would hand them to n8n, and the
 * contract on one answer.
 */
import type { INodeParameters, INodeType } from 'n8n-workflow';

import { ApiRtcTrigger } from '../../nodes/ApiRtcTrigger/ApiRtcTrigger.node';
import { EventWebhookTrigger } from '../../nodes/EventWebhookTrigger/EventWebhookTrigger.node';
import { RoomleTrigger } from '../../nodes/RoomleTrigger/RoomleTrigger.node';
import { SynchubTrigger } from '../../nodes/SynchubTrigger/SynchubTrigger.node';
import { SynthesisVrTrigger } from '../../nodes/SynthesisVrTrigger/SynthesisVrTrigger.node';
import type { HeaderBag } from '../../nodes/shared/encoding';
import type { TriggerRunResult } from '../helpers/n8n';
import { ensure, ensureNoSecret } from './contracts';
import { note } from './run';
import type { VendorSettings } from './scenarios';

/**
 * A string parameter holding `value` literally: n8n reads a value that starts with `=` as an
 * expression, so such a value is written as an expression that yields it (as a user would).
 */
export function literal(value: string): string {
	return value.startsWith('=') ? `={{ ${JSON.stringify(value)} }}` : value;
}

/** The node, its parameters and its credentials for one set of settings. */
export function nodeConfig(configured: VendorSettings, respond: 'onReceived' | 'lastNode'): { node: INodeType; parameters: INodeParameters; credentials: Record<string, Record<string, string>> } {
	const s = configured.settings;
	const options: INodeParameters = {
		...(s.allowedIps !== undefined ? { allowedIps: s.allowedIps } : {}),
		includeHeaders: s.includeHeaders === true,
		...(s.maxBodyBytes !== undefined ? { maxBodyKib: Math.max(1, Math.ceil(s.maxBodyBytes / 1024)) } : {}),
	};
	switch (configured.vendor) {
		case 'synthesisVr': {
			const t = configured.settings.token;
			return {
				node: new SynthesisVrTrigger(),
				parameters: {
					authentication: t ? 'token' : 'none',
					...(t ? { headerName: t.headerName, queryParameter: t.queryName } : {}),
					actions: configured.settings.actions ?? [],
					options: { ...options, ...(configured.settings.maxEvents !== undefined ? { maxEvents: Math.max(1, configured.settings.maxEvents) } : {}) },
				},
				credentials: t ? { synthesisVrWebhookApi: { token: t.value } } : {},
			};
		}
		case 'synchub': {
			const v = configured.settings.verification;
			const parameters: INodeParameters = { verification: v.mode, events: configured.settings.kinds ?? [], outcome: configured.settings.outcome ?? 'any', respond, options };
			if (v.mode !== 'none') parameters.toleranceSeconds = v.toleranceSec;
			if (v.mode === 'hmac') {
				Object.assign(parameters, {
					signatureHeader: v.signatureHeader,
					algorithm: v.scheme.algorithm,
					encoding: v.scheme.encoding,
					signaturePrefix: literal(v.scheme.prefix),
					signedContent: v.scheme.signedContent,
					timestampHeader: v.timestampHeader ?? '',
				});
			}
			return {
				node: new SynchubTrigger(),
				parameters,
				credentials: v.mode === 'none' ? {} : { synchubWebhookApi: { secret: v.secrets[0] ?? '', previousSecret: v.secrets[1] ?? '' } },
			};
		}
		case 'apiRtc': {
			const h = configured.settings.secretHeader;
			return {
				node: new ApiRtcTrigger(),
				parameters: { authentication: h ? 'customHeader' : 'none', objects: configured.settings.objects ?? [], events: configured.settings.events ?? [], respond, options },
				credentials: h ? { apiRtcWebhookApi: { headerName: h.name, secret: h.value } } : {},
			};
		}
		case 'roomle': {
			const t = configured.settings.token;
			return {
				node: new RoomleTrigger(),
				parameters: {
					authentication: t ? 'token' : 'none',
					...(t ? { headerName: t.headerName, toleranceSeconds: t.toleranceSec, cbcIv: t.cbcIv ?? 'auto' } : {}),
					events: configured.settings.events ?? [],
					respond,
					options,
				},
				credentials: t ? { roomleWebhookApi: { apiKey: t.apiKey, secret: t.secret } } : {},
			};
		}
		case 'eventWebhook': {
			const k = configured.settings.apiKey;
			return {
				node: new EventWebhookTrigger(),
				parameters: {
					authentication: k ? 'apiKey' : 'none',
					...(k ? { headerName: k.headerName } : {}),
					eventTypes: (configured.settings.eventTypes ?? []).join(','),
					respond,
					options,
				},
				credentials: k ? { eventWebhookApi: { apiKey: k.keys[0] ?? '', previousApiKey: k.keys[1] ?? '' } } : {},
			};
		}
	}
}

/** Header values as Node hands them to n8n: strings (repeated headers joined). */
export function asRequestHeaders(headers: HeaderBag): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [name, value] of Object.entries(headers)) {
		if (value === undefined) continue;
		Object.defineProperty(out, name, { value: Array.isArray(value) ? value.join(', ') : value, enumerable: true, writable: true, configurable: true });
	}
	return out;
}

/**
 * A query object as Express's parser (qs) leaves it: strings, arrays and nested objects, but no
 * key that would shadow an Object.prototype property (qs drops those unless allowPrototypes).
 */
export function qsLike(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(qsLike);
	if (typeof value !== 'object' || value === null) return value === undefined || value === null ? '' : String(value);
	const out: Record<string, unknown> = {};
	for (const [key, child] of Object.entries(value)) {
		if (key in Object.prototype) continue;
		out[key] = qsLike(child);
	}
	return out;
}

/** The contract on one answer. */
export function checkAnswer(result: TriggerRunResult, secrets: ReadonlyArray<string | Buffer>): void {
	const status = result.status;
	note(result.executed ? `${status} executed` : `${status}`);
	ensure((status >= 200 && status <= 299) || (status >= 400 && status <= 499), () => `answered ${status} ${result.responseRawBody.toString('utf8').slice(0, 200)} (${String(result.executionError)})`);
	if (status >= 400) {
		ensure(!result.executed && result.downstreamItems.length === 0, () => `a ${status} answer started an execution`);
		const body = result.responseBody as Record<string, unknown> | undefined;
		ensure(typeof body === 'object' && body !== null && typeof body.message === 'string', () => `a ${status} answer without a JSON reason: ${result.responseRawBody.toString('utf8').slice(0, 200)}`);
		// Ours are {error, message}; n8n's own 422 for a body it cannot parse is {code, message}.
		ensure(typeof body.error === 'string' || (status === 422 && result.noWebhookResponse === false), () => `a ${status} answer without an error code`);
	}
	if (result.executed) {
		ensure(result.executionError === undefined, () => `an accepted delivery's execution failed: ${String(result.executionError)}`);
	}
	ensureNoSecret(result.responseRawBody.toString('utf8'), secrets, `the ${status} answer`);
	ensureNoSecret(JSON.stringify(result.responseHeaders), secrets, 'the response headers');
}
