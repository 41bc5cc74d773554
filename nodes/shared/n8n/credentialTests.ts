import type {
	ICredentialDataDecryptedObject,
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	INodeCredentialTestResult,
} from 'n8n-workflow';

import { roomleKey } from '../roomleToken';
import { parseAllowedDomains } from '../sender/allowedDomains';
import { standardWebhooksKey } from '../standardWebhooks';

/**
 * These credentials hold secrets exchanged with a vendor, not keys for an API we could call,
 * so each test checks the values locally and says what is wrong. Shared by the triggers and
 * Send Webhook, which use the same credential types.
 */
function localTest(check: (data: ICredentialDataDecryptedObject) => string | undefined) {
	return async function (
		this: ICredentialTestFunctions,
		credential: ICredentialsDecrypted,
	): Promise<INodeCredentialTestResult> {
		const data = credential.data ?? {};
		// Allowed Domains (Send Webhook's credentials) is checked here too, not only when sending.
		const problem = thrownMessage(() => parseAllowedDomains(data.allowedDomains)) ?? check(data);
		return problem ? { status: 'Error', message: problem } : { status: 'OK', message: 'The values look valid' };
	};
}

/** A shared secret should not be guessable: require some length. */
function strength(label: string, value: unknown, minLength = 16): string | undefined {
	if (typeof value !== 'string' || value.trim() === '') return `${label} is empty`;
	if (value.length < minLength) return `${label} should be at least ${minLength} characters long`;
	return undefined;
}

function thrownMessage(check: () => unknown): string | undefined {
	try {
		check();
		return undefined;
	} catch (error) {
		return (error as Error).message;
	}
}

export const credentialTest = {
	synthesisVrWebhookApiTest: localTest((data) => strength('The shared token', data.token)),
	synchubWebhookApiTest: localTest((data) =>
		typeof data.secret === 'string' && data.secret.startsWith('whsec_')
			? thrownMessage(() => standardWebhooksKey(data.secret as string))
			: strength('The secret', data.secret, 8),
	),
	apiRtcWebhookApiTest: localTest((data) =>
		typeof data.headerName !== 'string' || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(data.headerName)
			? 'The header name is not a valid HTTP header name'
			: strength('The header value', data.secret),
	),
	roomleWebhookApiTest: localTest((data) =>
		typeof data.apiKey !== 'string' || data.apiKey.trim() === ''
			? 'The api key is empty'
			: thrownMessage(() => roomleKey(String(data.secret ?? ''))),
	),
	eventWebhookApiTest: localTest((data) => strength('The API key', data.apiKey)),
	standardWebhooksApiTest: localTest((data) => thrownMessage(() => standardWebhooksKey(String(data.secret ?? '')))),
};
