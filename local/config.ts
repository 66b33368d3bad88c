/**
 * Fixed facts of the local cloud. The account and region are what ARNs and the identity pool's
 * provider name are built from; they are not secrets and mean nothing outside this machine.
 */
export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_REGION = 'us-east-1';

/**
 * Credentials that are not issued by the local identity pool act as the local administrator,
 * as any credentials do against DynamoDB Local itself. These are the ones the local cloud uses
 * for its own calls (seeding, Step Functions tasks, EventBridge targets).
 */
export const LOCAL_ADMIN_CREDENTIALS = {
  accessKeyId: 'LOCALADMINKEY',
  secretAccessKey: 'local-admin-secret',
} as const;

/**
 * The origin the local REST API allows by default (CORS): the local endpoint's own, as its URL is
 * printed and written to outputs.json, where the local console is served and the local tenant app
 * (issue 10) will be. One origin, so that gateway responses name it literally as a deployed API with
 * one `corsOrigins` entry does (handlers/api/cors.ts). A deployed stack allows none unless
 * `corsOrigins` names some; `npm start -- --cors-origin http://localhost:5173` adds a front end served elsewhere.
 */
export const localAppOrigin = (endpointUrl: string): string => new URL(endpointUrl).origin;

/**
 * The shortest a Task attempt may run in the local Step Functions before it times out, whatever the
 * definition says (the deployed Tasks have 1 s: workflows/fragments.ts TASK_TIMEOUT_SECONDS). The
 * emulators behind the tasks are far slower than AWS's services on a busy laptop; why, and how a
 * timeout is still tested locally: local/stepfunctions/service.ts `minimumTaskTimeoutSeconds`.
 */
export const LOCAL_MINIMUM_TASK_TIMEOUT_SECONDS = 5;
