import type { App } from 'aws-cdk-lib';
import { DEFAULT_STAGE, MAX_STAGE_LENGTH, STAGE_PATTERN } from './naming';

/**
 * The app's context values (`cdk deploy -c key=value`), read and checked in one place. Values
 * given on the command line arrive as strings; a value that could not work stops the synth with
 * an error naming its key.
 */
export class InvalidContextValueError extends Error {
  constructor(
    readonly key: string,
    readonly value: unknown,
    expected: string,
  ) {
    super(`Context '${key}' must be ${expected}, got ${JSON.stringify(value)}`);
    this.name = 'InvalidContextValueError';
  }
}

type ContextSource = Pick<App, 'node'>;

export function booleanContext(app: ContextSource, key: string, fallback: boolean): boolean {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined) return fallback;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new InvalidContextValueError(key, value, 'true or false');
}

export function integerContext(app: ContextSource, key: string): number | undefined {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined) return undefined;
  const parsed = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(parsed)) throw new InvalidContextValueError(key, value, 'a whole number');
  return parsed;
}

function stringContext(app: ContextSource, key: string, pattern: RegExp, expected: string): string | undefined {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !pattern.test(value)) throw new InvalidContextValueError(key, value, expected);
  return value;
}

export const STAGE_CONTEXT_KEY = 'stage';

/** `-c stage=<name>`: which deployment this synth is (infra/naming.ts). */
export function stageContext(app: ContextSource): string {
  return (
    stringContext(app, STAGE_CONTEXT_KEY, STAGE_PATTERN, `a lower-case letter then up to ${MAX_STAGE_LENGTH - 1} lower-case letters or digits`) ??
    DEFAULT_STAGE
  );
}

/**
 * The user pool's email through Amazon SES instead of Cognito's own sender (whose daily quota is
 * for trying things out). AWS's requirements ("Email settings for Amazon Cognito user pools",
 * Amazon Cognito Developer Guide): the FROM address is an SES-verified address, or an address in
 * an SES-verified domain (then `verifiedDomain`), verified in the user pool's Region or in the SES
 * Region that guide lists for it (`region`); the account is out of the SES sandbox; a
 * configuration set is optional. Cognito calls SES through its service-linked role.
 */
export interface SesEmailSettings {
  readonly fromEmail: string;
  /** The SES identity is this domain rather than the address itself. */
  readonly verifiedDomain?: string;
  /** The SES identity's Region. @default the stack's Region */
  readonly region?: string;
  readonly configurationSet?: string;
}

export const SES_CONTEXT_KEYS = {
  fromEmail: 'sesFromEmail',
  verifiedDomain: 'sesVerifiedDomain',
  region: 'sesRegion',
  configurationSet: 'sesConfigurationSet',
} as const satisfies Record<keyof SesEmailSettings, string>;

// Shapes, not full validation: SES and Cognito check the identity at deploy time; these stop a
// typo (a missing @, a Region name with a space) before it becomes a failed stack update.
const EMAIL = /^[^\s@<>"]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;
const DOMAIN = /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
// SES configuration set names: letters, digits, hyphens and underscores, at most 64 characters.
const CONFIGURATION_SET = /^[A-Za-z0-9_-]{1,64}$/;

/** `-c sesFromEmail=… [-c sesVerifiedDomain=…] [-c sesRegion=…] [-c sesConfigurationSet=…]`, or undefined for Cognito's own email. */
export function sesEmailContext(app: ContextSource): SesEmailSettings | undefined {
  const fromEmail = stringContext(app, SES_CONTEXT_KEYS.fromEmail, EMAIL, 'an email address');
  const verifiedDomain = stringContext(app, SES_CONTEXT_KEYS.verifiedDomain, DOMAIN, 'a domain name');
  const region = stringContext(app, SES_CONTEXT_KEYS.region, REGION, 'an AWS Region such as us-east-1');
  const configurationSet = stringContext(app, SES_CONTEXT_KEYS.configurationSet, CONFIGURATION_SET, 'an SES configuration set name');
  if (fromEmail === undefined) {
    // An SES option without the address would be silently ignored: the pool would keep Cognito's sender.
    const orphan = (Object.keys(SES_CONTEXT_KEYS) as (keyof SesEmailSettings)[]).find((key) => app.node.tryGetContext(SES_CONTEXT_KEYS[key]) !== undefined);
    if (orphan) throw new InvalidContextValueError(SES_CONTEXT_KEYS.fromEmail, undefined, `set together with '${SES_CONTEXT_KEYS[orphan]}'`);
    return undefined;
  }
  if (verifiedDomain !== undefined && fromEmail.split('@').pop() !== verifiedDomain) {
    throw new InvalidContextValueError(SES_CONTEXT_KEYS.verifiedDomain, verifiedDomain, `the domain of '${SES_CONTEXT_KEYS.fromEmail}' (${fromEmail})`);
  }
  return {
    fromEmail,
    ...(verifiedDomain === undefined ? {} : { verifiedDomain }),
    ...(region === undefined ? {} : { region }),
    ...(configurationSet === undefined ? {} : { configurationSet }),
  };
}
