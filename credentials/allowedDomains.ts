import type { INodeProperties } from 'n8n-workflow';

/**
 * "Allowed Domains" for the credentials Send Webhook signs with. Send Webhook is usable as an AI
 * tool and its URL can be an expression, so without a list a prompt could steer the secret (or a
 * request freshly signed with it) to any host. Send-side only: the triggers never read it.
 * Empty keeps the behaviour from before the field existed (any domain).
 */
export function allowedDomainsProperty(sent: string): INodeProperties {
	return {
		displayName: 'Allowed Domains',
		name: 'allowedDomains',
		type: 'string',
		default: '',
		placeholder: 'partner.example.com, *.example.com',
		description: `Send Webhook only (the triggers ignore it): the hosts ${sent} may be sent to, separated by commas. *.example.com allows every subdomain of example.com (not example.com itself); example.com:8443 allows only that port. Checked before every attempt, before any connection. Empty: any domain.`,
	};
}
