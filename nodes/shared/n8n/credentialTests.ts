import type { ICredentialDataDecryptedObject, IHookFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { roomleKey } from '../roomleToken';
import { parseAllowedDomains } from '../sender/allowedDomains';
import { standardWebhooksKey } from '../standardWebhooks';

/**
 * These credentials hold secrets exchanged with a vendor, not keys for an API n8n could call, so
 * there is nothing to "test the connection" against (and n8n's editor would say "Connection
 * tested successfully" for any local check). Instead each credential says so in a notice, and
 * the values are checked where an error is shown: when a trigger starts listening or its
 * workflow is published (`credentialCheckedWebhookMethods`), and when Send Webhook runs.
 */

/** The message of what `check` throws, or undefined when it does not throw. */
export function thrownMessage(check: () => unknown): string | undefined {
	try {
		check();
		return undefined;
	} catch (error) {
		return (error as Error).message;
	}
}

const filled = (label: string, value: unknown): string | undefined =>
	typeof value !== 'string' || value.trim() === '' ? `${label} is empty` : undefined;

/** What makes a credential unusable, per type; undefined when it is usable. Never quotes a secret. */
const CHECKS: Record<string, (data: ICredentialDataDecryptedObject) => string | undefined> = {
	synthesisVrWebhookApi: (data) => filled('The shared token', data.token),
	synchubWebhookApi: (data) =>
		typeof data.secret === 'string' && data.secret.startsWith('whsec_')
			? thrownMessage(() => standardWebhooksKey(data.secret as string))
			: filled('The secret', data.secret),
	apiRtcWebhookApi: (data) =>
		typeof data.headerName !== 'string' || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(data.headerName)
			? 'The header name is not a valid HTTP header name'
			: filled('The header value', data.secret),
	roomleWebhookApi: (data) => filled('The api key', data.apiKey) ?? thrownMessage(() => roomleKey(String(data.secret ?? ''))),
	eventWebhookApi: (data) => filled('The API key', data.apiKey),
	standardWebhooksApi: (data) => thrownMessage(() => standardWebhooksKey(String(data.secret ?? ''))),
	// Its format depends on the node's preset (whsec_ for Standard Webhooks): see `settingsProblem`.
	webhookHmacSecretApi: (data) => filled('The secret', data.secret),
};

function credentialProblem(type: string, data: ICredentialDataDecryptedObject): string | undefined {
	// Allowed Domains (Send Webhook's credentials) too: a bad entry is named before any send.
	return thrownMessage(() => parseAllowedDomains(data.allowedDomains)) ?? CHECKS[type]?.(data);
}

/** What makes a credential unusable with this node's settings (a shared credential type used several ways). */
export type SettingsProblem = (ctx: IHookFunctions, data: ICredentialDataDecryptedObject) => string | undefined;

/**
 * The webhook methods of a trigger configured by hand in the vendor's console: nothing to
 * register, so `checkExists` says yes and n8n never calls `create`. Before saying yes it checks
 * the credential the node uses (`inUse`), so a malformed secret is named when someone listens for
 * a test event or publishes the workflow, instead of every delivery being refused later.
 */
export function credentialCheckedWebhookMethods(type: string, inUse: (ctx: IHookFunctions) => boolean, settingsProblem?: SettingsProblem) {
	return {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				if (!inUse(this)) return true;
				const data = await this.getCredentials(type);
				const problem = credentialProblem(type, data) ?? settingsProblem?.(this, data);
				if (problem) throw new NodeOperationError(this.getNode(), `The ${type} credential cannot be used: ${problem}`);
				return true;
			},
			async create(): Promise<boolean> {
				return true;
			},
			async delete(): Promise<boolean> {
				return true;
			},
		},
	};
}
