import { unknownOperation } from '../../local/server/endpoint';
import type { AwsRequest } from '../../local/server/types';

const request = (overrides: Partial<AwsRequest>): AwsRequest => ({
  method: 'POST',
  path: '/',
  query: new URLSearchParams(),
  headers: {},
  body: Buffer.alloc(0),
  target: undefined,
  ...overrides,
});

describe('an operation no local service handles, answered in its caller\'s protocol', () => {
  it('answers a query-protocol action (IAM, STS, older SQS) with the XML error those clients read', () => {
    const answer = unknownOperation(request({ headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: Buffer.from('Action=ListRoles&Version=2010-05-08') }));

    expect(answer).toMatchObject({ status: 400, headers: { 'content-type': 'text/xml' } });
    expect(String(answer.body)).toMatch(/^<ErrorResponse><Error><Type>Sender<\/Type><Code>InvalidAction<\/Code><Message>No local service handles the action ListRoles \(POST \/\)<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/);
  });

  it('escapes what the caller named in the XML message', () => {
    const answer = unknownOperation(request({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from('Action=%3Cx%3E%26') }));

    expect(String(answer.body)).toContain('the action &lt;x&gt;&amp; (POST /)');
  });

  it('answers a JSON or REST call with the JSON error shape, naming the operation', () => {
    const json = unknownOperation(request({ target: 'AWSSomething_20200101.DoThing', headers: { 'content-type': 'application/x-amz-json-1.1' } }));
    const rest = unknownOperation(request({ method: 'GET', path: '/2015-03-31/event-source-mappings/' }));

    expect(json).toMatchObject({ status: 400, headers: { 'x-amzn-errortype': 'UnknownOperationException' } });
    expect(JSON.parse(String(json.body))).toEqual({ __type: 'UnknownOperationException', message: 'No local service handles POST / (AWSSomething_20200101.DoThing)' });
    expect(JSON.parse(String(rest.body)).message).toBe('No local service handles GET /2015-03-31/event-source-mappings/');
  });
});
