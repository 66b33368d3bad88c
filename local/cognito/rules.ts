/**
 * Rules that AWS Cognito enforces and cognito-local does not, as pure functions: the user pool
 * proxy applies them to requests before they reach cognito-local, and to its answers.
 */
import { AwsServiceError } from '../server/aws-json';

export interface PasswordPolicy {
  readonly minLength: number;
  readonly requireLowercase: boolean;
  readonly requireUppercase: boolean;
  readonly requireDigits: boolean;
  readonly requireSymbols: boolean;
}

/** Cognito's symbol set for password policies. */
const SYMBOLS = /[\^$*.[\]{}()?"!@#%&/\\,><':;|_~`=+-]/;

/** The first rule a password breaks, in Cognito's wording, or undefined when it conforms. */
export function passwordPolicyViolation(password: string, policy: PasswordPolicy): string | undefined {
  if (password.length < policy.minLength) return 'Password not long enough';
  if (policy.requireLowercase && !/[a-z]/.test(password)) return 'Password must have lowercase characters';
  if (policy.requireUppercase && !/[A-Z]/.test(password)) return 'Password must have uppercase characters';
  if (policy.requireDigits && !/[0-9]/.test(password)) return 'Password must have numeric characters';
  if (policy.requireSymbols && !SYMBOLS.test(password)) return 'Password must have symbol characters';
  return undefined;
}

export function assertPasswordConforms(password: unknown, policy: PasswordPolicy): void {
  if (typeof password !== 'string') return;
  const violation = passwordPolicyViolation(password, policy);
  if (violation) throw new AwsServiceError('InvalidPasswordException', `Password did not conform with policy: ${violation}`);
}

export interface AttributeInput {
  readonly Name?: unknown;
}

/**
 * An app client may only write the attributes in its WriteAttributes; AWS rejects the whole request
 * otherwise. cognito-local would even accept a `sub` chosen by the client at SignUp.
 */
export function unwritableAttributes(attributes: unknown, writeAttributes: readonly string[] | undefined): string[] {
  if (!Array.isArray(attributes) || writeAttributes === undefined) return [];
  const writable = new Set(writeAttributes);
  return (attributes as AttributeInput[])
    .map((attribute) => attribute.Name)
    .filter((name): name is string => typeof name === 'string' && !writable.has(name));
}

export function assertAttributesWritable(attributes: unknown, writeAttributes: readonly string[] | undefined): void {
  const denied = unwritableAttributes(attributes, writeAttributes);
  if (denied.length > 0) {
    throw new AwsServiceError('NotAuthorizedException', `A client attempted to write unauthorized attribute: ${denied.join(', ')}`);
  }
}

/** The ExplicitAuthFlows entry that an InitiateAuth / AdminInitiateAuth flow needs on the app client. */
export const REQUIRED_AUTH_FLOW: Readonly<Record<string, string>> = {
  USER_PASSWORD_AUTH: 'ALLOW_USER_PASSWORD_AUTH',
  USER_SRP_AUTH: 'ALLOW_USER_SRP_AUTH',
  REFRESH_TOKEN_AUTH: 'ALLOW_REFRESH_TOKEN_AUTH',
  REFRESH_TOKEN: 'ALLOW_REFRESH_TOKEN_AUTH',
  ADMIN_USER_PASSWORD_AUTH: 'ALLOW_ADMIN_USER_PASSWORD_AUTH',
  ADMIN_NO_SRP_AUTH: 'ALLOW_ADMIN_USER_PASSWORD_AUTH',
  CUSTOM_AUTH: 'ALLOW_CUSTOM_AUTH',
};

export function assertAuthFlowAllowed(authFlow: unknown, explicitAuthFlows: readonly string[] | undefined): void {
  if (typeof authFlow !== 'string') throw new AwsServiceError('InvalidParameterException', 'AuthFlow is required');
  const required = REQUIRED_AUTH_FLOW[authFlow];
  if (!required) throw new AwsServiceError('InvalidParameterException', `Unsupported AuthFlow ${authFlow}`);
  if (!(explicitAuthFlows ?? []).includes(required)) {
    throw new AwsServiceError('InvalidParameterException', `${authFlow} flow not enabled for this client`);
  }
}

/** The value of the attribute `name` in a request's attribute list, if the list sets it. */
export function attributeInput(attributes: unknown, name: string): string | undefined {
  if (!Array.isArray(attributes)) return undefined;
  const found = (attributes as { Name?: unknown; Value?: unknown }[]).find((attribute) => attribute.Name === name);
  return typeof found?.Value === 'string' ? found.Value : undefined;
}

/**
 * Email addresses compare without regard to case, as in a case-insensitive Cognito pool
 * ("User pool case sensitivity": `user@example.com` and `User@example.com` are the same user,
 * and the `email` attribute is case insensitive too).
 */
export const sameEmail = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/**
 * An email address as CodeDeliveryDetails shows it: `a***@e***` for `ada@example.com`. The shape
 * is what Cognito answers; AWS does not document it. Masking a masked address changes nothing.
 */
export function maskDestination(destination: string): string {
  const at = destination.lastIndexOf('@');
  return at > 0 ? `${destination[0]}***@${destination[at + 1] ?? ''}***` : `${destination[0] ?? ''}***`;
}

export interface CodeDeliveryDetails {
  readonly AttributeName: string;
  readonly DeliveryMedium: 'EMAIL' | 'SMS';
  readonly Destination: string;
}

/**
 * What Cognito answers, with PreventUserExistenceErrors ENABLED, for a user it will not send a
 * code to (unknown, disabled): delivery to "a simulated delivery medium", chosen by the format of
 * the name given (developer guide, "Managing user existence error responses"). The pool signs
 * users in by email, so the medium is email.
 */
export function simulatedCodeDelivery(username: string): CodeDeliveryDetails {
  return { AttributeName: 'email', DeliveryMedium: 'EMAIL', Destination: maskDestination(username) };
}

/** The same delivery details with the destination masked, as Cognito returns them. */
export function maskedCodeDelivery(details: unknown): unknown {
  if (details === null || typeof details !== 'object') return details;
  const destination = (details as { Destination?: unknown }).Destination;
  return typeof destination === 'string' ? { ...details, Destination: maskDestination(destination) } : details;
}
