import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { InvalidContextValueError, SES_CONTEXT_KEYS, type SesEmailSettings, sesEmailContext } from '../../infra/context';
import { ControlPlaneStack } from '../../infra/stack';
import { onlyResource, type Resource, testApp } from './support';

// One app and one synth per email setting: Cognito's own sender, SES with defaults, SES with every option.
const app = testApp();
const stackWith = (id: string, sesEmail?: SesEmailSettings) => new ControlPlaneStack(app, id, { functionCode: 'placeholder', ...(sesEmail ? { sesEmail } : {}) });
const stacks = [
  stackWith('ControlPlane-dev'),
  stackWith('ControlPlane-ses', { fromEmail: 'no-reply@flight.example' }),
  stackWith('ControlPlane-sesall', { fromEmail: 'no-reply@flight.example', verifiedDomain: 'flight.example', region: 'eu-west-1', configurationSet: 'control-plane' }),
];
const [cognitoSender, sesDefaults, sesEverything] = stacks.map((stack) => onlyResource(Template.fromStack(stack), 'AWS::Cognito::UserPool')) as [
  Resource,
  Resource,
  Resource,
];

describe("the user pool's email", () => {
  it("is Cognito's own sender by default: no email configuration at all", () => {
    expect(cognitoSender.Properties.EmailConfiguration).toBeUndefined();
  });

  it("goes through SES from the verified address, the identity in the stack's own Region, when only the address is given", () => {
    expect(sesDefaults.Properties.EmailConfiguration).toEqual({
      EmailSendingAccount: 'DEVELOPER',
      From: 'no-reply@flight.example',
      SourceArn: {
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':identity/no-reply@flight.example']],
      },
    });
  });

  it('names the verified domain as the identity, in the Region given, with the configuration set', () => {
    expect(sesEverything.Properties.EmailConfiguration).toEqual({
      EmailSendingAccount: 'DEVELOPER',
      From: 'no-reply@flight.example',
      ConfigurationSet: 'control-plane',
      SourceArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:eu-west-1:', { Ref: 'AWS::AccountId' }, ':identity/flight.example']] },
    });
  });

  it("keeps the pool's name and sign-in settings whichever sender it uses", () => {
    expect(sesDefaults.Properties.UsernameAttributes).toEqual(cognitoSender.Properties.UsernameAttributes);
    expect(sesDefaults.Properties.UserPoolName).toBe('ControlPlane-ses-Users');
    expect(cognitoSender.Properties.UserPoolName).toBe('ControlPlane-dev-Users');
  });
});

describe('the SES context values', () => {
  const read = (context: Record<string, unknown>) => sesEmailContext(new App({ context }));

  it('are off when none is given', () => {
    expect(read({})).toBeUndefined();
  });

  it('give every option that was set, and only those', () => {
    expect(read({ [SES_CONTEXT_KEYS.fromEmail]: 'no-reply@flight.example' })).toEqual({ fromEmail: 'no-reply@flight.example' });
    expect(
      read({
        [SES_CONTEXT_KEYS.fromEmail]: 'no-reply@flight.example',
        [SES_CONTEXT_KEYS.verifiedDomain]: 'flight.example',
        [SES_CONTEXT_KEYS.region]: 'us-west-2',
        [SES_CONTEXT_KEYS.configurationSet]: 'cp_1',
      }),
    ).toEqual({ fromEmail: 'no-reply@flight.example', verifiedDomain: 'flight.example', region: 'us-west-2', configurationSet: 'cp_1' });
  });

  it.each([
    [{ [SES_CONTEXT_KEYS.fromEmail]: 'no-reply' }, 'sesFromEmail'],
    [{ [SES_CONTEXT_KEYS.fromEmail]: 'Ops <ops@flight.example>' }, 'sesFromEmail'],
    [{ [SES_CONTEXT_KEYS.fromEmail]: 'a@flight.example', [SES_CONTEXT_KEYS.region]: 'Europe' }, 'sesRegion'],
    [{ [SES_CONTEXT_KEYS.fromEmail]: 'a@flight.example', [SES_CONTEXT_KEYS.configurationSet]: 'a set' }, 'sesConfigurationSet'],
    [{ [SES_CONTEXT_KEYS.fromEmail]: 'a@flight.example', [SES_CONTEXT_KEYS.verifiedDomain]: 'other.example' }, 'sesVerifiedDomain'],
    [{ [SES_CONTEXT_KEYS.region]: 'us-east-1' }, 'sesFromEmail'],
  ])('refuse %j with an error naming %s', (context, key) => {
    expect(() => read(context)).toThrow(InvalidContextValueError);
    expect(() => read(context)).toThrow(`Context '${key}'`);
  });
});
