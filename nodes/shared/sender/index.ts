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
	type PreparedRequest,
	type SenderOptions,
} from './options';
export { BlockedAddressError, InvalidUrlError, checkDestinationUrl, guardedLookup } from './guard';
export { closeSenderDispatchers, proxyForUrl } from './dispatchers';
export { backoffDelayMs, isRetryableStatus, parseRetryAfterMs } from './retry';
