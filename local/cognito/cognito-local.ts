/**
 * cognito-local, assembled in process. Its own `createDefaultServer` reads `.cognito/` in the
 * working directory and listens on a port of its own; here the same services are wired with our
 * data directory, our issuer and our Lambda client, and its router is called directly by the user
 * pool proxy, so the local cloud keeps one endpoint and one port. Its tokens are re-signed with the
 * pool's own key (token-generator.ts): the key cognito-local ships is public.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CognitoError } from 'cognito-local/lib/errors';
import type { Config } from 'cognito-local/lib/server/config';
import { Router } from 'cognito-local/lib/server/Router';
import { DateClock, LambdaService, MessagesService, TriggersService } from 'cognito-local/lib/services';
import { CognitoServiceFactoryImpl, type CognitoService } from 'cognito-local/lib/services/cognitoService';
import type { Context } from 'cognito-local/lib/services/context';
import type { CryptoService } from 'cognito-local/lib/services/crypto';
import { StormDBDataStoreFactory } from 'cognito-local/lib/services/dataStore/stormDb';
import type { FunctionConfig } from 'cognito-local/lib/services/lambda';
import type { LogService } from 'cognito-local/lib/services/LogService';
import { MessageDeliveryService } from 'cognito-local/lib/services/messageDelivery/messageDelivery';
import type { MessageSender } from 'cognito-local/lib/services/messageDelivery/messageSender';
import type { Messages } from 'cognito-local/lib/services/messages';
import { JwtTokenGenerator } from 'cognito-local/lib/services/tokenGenerator';
import { UserPoolServiceFactoryImpl } from 'cognito-local/lib/services/userPoolService';
import { LOCAL_ADMIN_CREDENTIALS } from '../config';
import type { SigningKey } from './signing-key';
import { PoolKeyTokenGenerator } from './token-generator';
import { otp } from './verification-codes';

export type TriggerName = 'PostConfirmation' | 'PreTokenGeneration';
export type TriggerFunctions = Partial<Record<TriggerName, string>>;

export interface CognitoLocalOptions {
  /** Where cognito-local keeps `clients.json` and one `<poolId>.json` per pool. */
  readonly dbDirectory: string;
  /** Tokens carry `iss = <issuerDomain>/<poolId>`. */
  readonly issuerDomain: string;
  /** The local Lambda API that triggers are invoked through. */
  readonly lambdaEndpoint: string;
  readonly region: string;
  readonly triggers: TriggerFunctions;
  /** Signs every token; cognito-local's own key ships in its npm package, so it signs nothing trusted. */
  readonly signingKey: SigningKey;
}

/** An operation of cognito-local: `X-Amz-Target` operation name → its implementation. */
export type CognitoRoute = (ctx: Context, request: unknown) => Promise<unknown>;

export interface CognitoLocal {
  readonly cognito: CognitoService;
  /** Delivers codes as cognito-local's own operations do (one console line each), for those the proxy implements. */
  readonly messages: Messages;
  /** What the pool sent, oldest first. */
  readonly outbox: readonly SentMessage[];
  route(operation: string): CognitoRoute;
}

/**
 * A request-scoped log: cognito-local logs and swallows some failures (a failing PostConfirmation
 * trigger is one), and the proxy reads them back from here to answer as AWS would.
 */
export class RequestLog implements LogService {
  readonly swallowed: CognitoError[] = [];

  child(): LogService {
    return this;
  }

  debug(): void {}

  info(): void {}

  warn(): void {}

  error(value: unknown): void {
    if (value instanceof CognitoError) this.swallowed.push(value);
    else if (value instanceof Error) console.error('[cognito-local]', value.message);
  }
}

/** One message the pool sent (a sign-up or reset code), as the local outbox keeps it. */
export interface SentMessage {
  readonly channel: 'email' | 'sms';
  readonly destination: string;
  readonly username: string;
  readonly code: string | undefined;
  readonly at: string;
}

/** Newest last; a long `npm start` keeps the latest only. */
export const OUTBOX_LIMIT = 200;

/**
 * Messages (sign-up codes, forgotten-password codes) go to the console, one line each, and to the
 * outbox the inspector's Mail view lists, since no mail leaves the laptop. cognito-local's own
 * sender draws boxes around them.
 */
function localMessageSender(outbox: SentMessage[]): MessageSender {
  const keep = (message: SentMessage): void => {
    outbox.push(message);
    if (outbox.length > OUTBOX_LIMIT) outbox.splice(0, outbox.length - OUTBOX_LIMIT);
  };
  return {
    async sendEmail(_ctx, user, destination, message) {
      console.log(`[cognito-local] email to ${destination} (user ${user.Username}): code ${message.__code ?? '-'}`);
      keep({ channel: 'email', destination, username: user.Username, code: message.__code, at: new Date().toISOString() });
    },
    async sendSms(_ctx, user, destination, message) {
      console.log(`[cognito-local] SMS to ${destination} (user ${user.Username}): code ${message.__code ?? '-'}`);
      keep({ channel: 'sms', destination, username: user.Username, code: message.__code, at: new Date().toISOString() });
    },
  };
}

/**
 * Only the CustomEmailSender trigger encrypts (with KMS); no such trigger is configured locally.
 * Standing in for cognito-local's CryptoService also keeps aws-sdk v2 from being loaded at all.
 */
const noCrypto = {
  encrypt: () => Promise.reject(new Error('CustomEmailSender (KMS encryption) is not available locally')),
} as unknown as CryptoService;

/** The slice of aws-sdk v2's Lambda client that cognito-local's LambdaService calls. */
interface V2InvokeClient {
  invoke(params: { FunctionName: string; InvocationType?: string; Payload?: string }): {
    promise(): Promise<{ StatusCode?: number; FunctionError?: string; Payload?: string }>;
  };
}

/**
 * cognito-local builds trigger events with `region: "local"`, `version: "0"` and a null client id
 * for admin calls; Lambda handlers see AWS's values instead.
 */
export function normalizeTriggerEvent(payload: string, region: string): string {
  const event = JSON.parse(payload) as Record<string, unknown> & { callerContext?: Record<string, unknown> };
  return JSON.stringify({
    ...event,
    version: '1',
    region,
    callerContext: { ...event.callerContext, clientId: event.callerContext?.clientId ?? 'CLIENT_ID_NOT_APPLICABLE' },
  });
}

/**
 * cognito-local speaks to Lambda through aws-sdk v2. This adapter gives it an SDK v3 client on the
 * local endpoint instead, built like every other client of the local cloud.
 */
function lambdaInvokeAdapter(client: LambdaClient, region: string): V2InvokeClient {
  return {
    invoke: (params) => ({
      async promise() {
        const output = await client.send(
          new InvokeCommand({
            FunctionName: params.FunctionName,
            InvocationType: 'RequestResponse',
            Payload: Buffer.from(normalizeTriggerEvent(params.Payload ?? '{}', region)),
          }),
        );
        return {
          StatusCode: output.StatusCode,
          FunctionError: output.FunctionError,
          Payload: output.Payload ? Buffer.from(output.Payload).toString('utf8') : undefined,
        };
      },
    }),
  };
}

export async function createCognitoLocal(options: CognitoLocalOptions): Promise<CognitoLocal> {
  const ctx: Context = { logger: new RequestLog() };
  const triggerFunctions: FunctionConfig = { ...options.triggers };
  const config: Config = {
    LambdaClient: {},
    TriggerFunctions: triggerFunctions,
    // SignUp reads this when a PreSignUp trigger runs; the pool's own options say the same.
    UserPoolDefaults: { UsernameAttributes: ['email'] },
    ServerConfig: {},
    TokenConfig: { IssuerDomain: options.issuerDomain },
  };
  const clock = new DateClock();
  const dataStoreFactory = new StormDBDataStoreFactory(options.dbDirectory);
  const cognito = await new CognitoServiceFactoryImpl(
    options.dbDirectory,
    dataStoreFactory,
    new UserPoolServiceFactoryImpl(clock, dataStoreFactory),
  ).create(ctx, config.UserPoolDefaults);

  const lambdaClient = new LambdaClient({
    endpoint: options.lambdaEndpoint,
    region: options.region,
    credentials: LOCAL_ADMIN_CREDENTIALS,
  });
  const lambda = new LambdaService(
    triggerFunctions,
    lambdaInvokeAdapter(lambdaClient, options.region) as unknown as ConstructorParameters<typeof LambdaService>[1],
  );
  const triggers = new TriggersService(clock, cognito, lambda, noCrypto);
  const outbox: SentMessage[] = [];
  const messages = new MessagesService(triggers, new MessageDeliveryService(localMessageSender(outbox)));
  const router = Router({
    clock,
    cognito,
    config,
    messages,
    // cognito-local's own otp uses Math.random (and a fixed process.env.CODE when set): not a secret.
    otp,
    // cognito-local builds the claims (and runs PreTokenGeneration); the pool's key signs them.
    tokenGenerator: new PoolKeyTokenGenerator(new JwtTokenGenerator(clock, triggers, config.TokenConfig), options.signingKey),
    triggers,
  });
  return { cognito, messages, outbox, route: (operation) => router(operation) };
}
