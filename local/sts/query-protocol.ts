import { randomUUID } from 'node:crypto';
import type { AwsResponse } from '../server/types';
import { xmlText } from '../server/xml';
import { STS_WIRE } from '../server/wire';

export const STS_API_VERSION = STS_WIRE.version;


/**
 * An error in the query protocol's shape (`ErrorResponse/Error/{Type,Code,Message}` and a
 * `RequestId`), which the SDKs and the CLI read for STS; JSON there is unreadable to them.
 */
export function stsErrorResponse(status: number, code: string, message: string): AwsResponse {
  const type = status >= 500 ? 'Receiver' : 'Sender';
  return {
    status,
    headers: { 'content-type': 'text/xml' },
    body:
      `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/${STS_API_VERSION}/"><Error><Type>${type}</Type><Code>${xmlText(code)}</Code>` +
      `<Message>${xmlText(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  };
}

/**
 * STS's codes for the caller gate's signature failures (the STS API Reference's Common Errors):
 * its query API says InvalidClientTokenId and SignatureDoesNotMatch where the JSON services say
 * UnrecognizedClientException and InvalidSignatureException.
 */
export const STS_AUTHENTICATION_ERRORS: Readonly<Record<string, { code: string; status: number }>> = {
  MissingAuthenticationTokenException: { code: 'MissingAuthenticationToken', status: 403 },
  IncompleteSignatureException: { code: 'IncompleteSignature', status: 403 },
  InvalidSignatureException: { code: 'SignatureDoesNotMatch', status: 403 },
  UnrecognizedClientException: { code: 'InvalidClientTokenId', status: 403 },
  ExpiredTokenException: { code: 'ExpiredToken', status: 400 },
};
