/**
 * Runs real n8n workflows in-process for tests: n8n-workflow's `Workflow` and expression
 * engine, n8n-core's `WebhookContext` and `WorkflowExecute`. Only the HTTP transport
 * (request/response objects) and the instance services around an execution (node type
 * registry, credentials store, additionalData) are stand-ins. What is copied from n8n's CLI
 * (which is not a library) is listed in trigger.ts.
 *
 * Needs `reflect-metadata` loaded first (jest.config.js `setupFiles`), and n8n-core and
 * n8n-workflow from the same n8n release.
 */
export { runTriggerWorkflow, type RunTriggerWorkflowOptions, type TriggerRunResult } from './trigger';
export { runActionNode, type ActionNodeRunResult, type RunActionNodeOptions } from './action';
export type { TestRequest } from './fake-http';
