import type { AwsResponse } from '../server/types';

/** A Lambda API error (REST-JSON): its code in `x-amzn-errortype`, `Type: User` and the message in the body. */
export function restError(status: number, code: string, message: string): AwsResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': code },
    body: JSON.stringify({ Type: 'User', message }),
  };
}
