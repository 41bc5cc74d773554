export { deliver } from './deliver';
export {
	DEFAULT_RESPONSE_HEADERS,
	DEFAULT_SENDER_OPTIONS,
	SYNTHESISVR_PRESET,
	resolveSenderOptions,
	type AttemptLogEntry,
	type DeliveryErrorCode,
	type DeliveryOutcome,
	type DeliveryRequest,
	type EgressFilter,
	type PreparedRequest,
	type SenderOptions,
} from './options';
export { BlockedAddressError, EgressBlockedError, InvalidUrlError, checkDestinationUrl, guardedLookup } from './guard';
export { AllowedDomainsError, isUrlAllowed, parseAllowedDomains, type AllowedDomains } from './allowedDomains';
export { ProxyTunnelError } from './tunnel';
export { closeSenderDispatchers, proxyForUrl } from './dispatchers';
export { backoffDelayMs, isRetryableStatus, parseRetryAfterMs } from './retry';
