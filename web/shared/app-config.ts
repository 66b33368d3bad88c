/**
 * What the tenant app is told at run time (`config.json` beside its page), so that one bundle
 * serves any stack: the local cloud writes it from its outputs; a deployed front end would be
 * given the stack's outputs the same way. Nothing here is a secret.
 */
export interface AppConfig {
  readonly region: string;
  /** The REST API's base URL (`apiUrl`). */
  readonly apiUrl: string;
  /** Where the user pool's API answers: the local endpoint, or `https://cognito-idp.<region>.amazonaws.com`. */
  readonly userPoolEndpoint: string;
  readonly userPoolClientId: string;
  /** The seeded demo's users, for the sign-in picker; null where there is no demo (a deployed stack, `--no-seed`). */
  readonly demo: DemoDirectory | null;
  /**
   * The local inspector's page, whose Mail view (`#mail`) lists the codes the user pool "sent"
   * (no mail leaves the laptop; `npm start`'s terminal prints them too); null on a deployed stack,
   * where the codes arrive by email.
   */
  readonly localConsoleUrl: string | null;
}

export interface DemoDirectory {
  /** The one password every demo user has (printed in `npm start`'s banner too). */
  readonly password: string;
  readonly users: readonly { readonly email: string; readonly tenants: string }[];
  /** An address with a pending invitation: signing up with it claims the invitation. */
  readonly invitee: string;
}

export const APP_CONFIG_FILE = 'config.json';
