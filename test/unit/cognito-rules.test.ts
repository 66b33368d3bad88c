import { APP_CLIENT, PASSWORD_POLICY, TENANT_ID_CLAIM } from '../../domain/identity';
import { normalizeTriggerEvent } from '../../local/cognito/cognito-local';
import {
  assertAuthFlowAllowed,
  attributeInput,
  maskDestination,
  maskedCodeDelivery,
  passwordPolicyViolation,
  sameEmail,
  simulatedCodeDelivery,
  unwritableAttributes,
} from '../../local/cognito/rules';
import { LOCAL_REGION } from '../../local/config';

describe('user pool rules that cognito-local lacks', () => {
  it.each([
    ['Sh0rt', 'Password not long enough'],
    ['NOLOWERCASE1', 'Password must have lowercase characters'],
    ['nouppercase1', 'Password must have uppercase characters'],
    ['NoDigitsHere', 'Password must have numeric characters'],
  ])('rejects %s with "%s"', (password, violation) => {
    expect(passwordPolicyViolation(password, PASSWORD_POLICY)).toBe(violation);
  });

  it('accepts a password meeting the policy, and demands symbols only when the policy does', () => {
    expect(passwordPolicyViolation('Correct9Horse', PASSWORD_POLICY)).toBeUndefined();
    expect(passwordPolicyViolation('Correct9Horse', { ...PASSWORD_POLICY, requireSymbols: true })).toBe('Password must have symbol characters');
    expect(passwordPolicyViolation('Correct9Horse!', { ...PASSWORD_POLICY, requireSymbols: true })).toBeUndefined();
  });

  it('names the attributes an app client may not write', () => {
    const attributes = [{ Name: 'email' }, { Name: TENANT_ID_CLAIM }, { Name: 'sub' }, { Name: 'name' }];

    expect(unwritableAttributes(attributes, APP_CLIENT.writeAttributes)).toEqual([TENANT_ID_CLAIM, 'sub']);
  });

  it('requires the app client to allow the auth flow', () => {
    expect(() => assertAuthFlowAllowed('USER_PASSWORD_AUTH', APP_CLIENT.authFlows)).not.toThrow();
    expect(() => assertAuthFlowAllowed('ADMIN_USER_PASSWORD_AUTH', APP_CLIENT.authFlows)).toThrow('ADMIN_USER_PASSWORD_AUTH flow not enabled for this client');
  });

  it("gives trigger events AWS's region, version and admin client id", () => {
    const payload = JSON.stringify({ version: '0', region: 'local', callerContext: { awsSdkVersion: 'x', clientId: null }, request: {} });

    expect(JSON.parse(normalizeTriggerEvent(payload, LOCAL_REGION))).toEqual({
      version: '1',
      region: LOCAL_REGION,
      callerContext: { awsSdkVersion: 'x', clientId: 'CLIENT_ID_NOT_APPLICABLE' },
      request: {},
    });
  });

  it('masks an email address as Cognito shows a code destination', () => {
    expect(maskDestination('ada@blue-sky.example')).toBe('a***@b***');
    expect(maskDestination(maskDestination('ada@blue-sky.example'))).toBe('a***@b***');
    expect(maskedCodeDelivery({ AttributeName: 'email', DeliveryMedium: 'EMAIL', Destination: 'rex@red-rock.example' })).toEqual({
      AttributeName: 'email',
      DeliveryMedium: 'EMAIL',
      Destination: 'r***@r***',
    });
  });

  it('answers an unknown user with a delivery shaped like a real one, from the name given', () => {
    expect(simulatedCodeDelivery('nobody@example.com')).toEqual({ AttributeName: 'email', DeliveryMedium: 'EMAIL', Destination: 'n***@e***' });
  });

  it('compares email addresses without regard to case', () => {
    expect(sameEmail('Ada@Blue-Sky.example', 'ada@blue-sky.example')).toBe(true);
    expect(sameEmail('ada@blue-sky.example', 'ada2@blue-sky.example')).toBe(false);
  });

  it("reads an attribute's value from a request's attribute list", () => {
    const attributes = [{ Name: 'name', Value: 'Ada' }, { Name: 'email', Value: 'ada@blue-sky.example' }];

    expect(attributeInput(attributes, 'email')).toBe('ada@blue-sky.example');
    expect(attributeInput(attributes, 'custom:tenant_id')).toBeUndefined();
    expect(attributeInput('not a list', 'email')).toBeUndefined();
  });
});
