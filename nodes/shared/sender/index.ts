// What the Send Webhook node (and bench/) uses of the sender: deliver() with the types of its
// signature, the Allowed Domains parser, the SynthesisVR preset and the pool shutdown. Tests of
// the parts import those modules directly.
export { deliver } from './deliver';
export {
	SYNTHESISVR_PRESET,
	type AttemptLogEntry,
	type DeliveryOutcome,
	type DeliveryRequest,
	type EgressFilter,
	type PreparedRequest,
	type SendFailureCode,
	type SenderOptions,
} from './options';
export { AllowedDomainsError, parseAllowedDomains, type AllowedDomains } from './allowedDomains';
export { closeSenderDispatchers } from './dispatchers';
