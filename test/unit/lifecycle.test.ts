import { Lifecycle } from '../../local/lifecycle';

describe("the local cloud's lifecycle", () => {
  it('stops the front doors first, then the rest in the reverse of their start', async () => {
    const stopped: string[] = [];
    const lifecycle = new Lifecycle();
    const record = (name: string) => async (): Promise<void> => void stopped.push(name);
    lifecycle.frontDoor('endpoint', record('endpoint'));
    lifecycle.started('dynamodb', record('dynamodb'));
    lifecycle.started('user pool', record('user pool'));
    lifecycle.frontDoor('rest api', record('rest api'));
    lifecycle.started('schedule', record('schedule'));

    await lifecycle.stop();

    expect(stopped).toEqual(['rest api', 'endpoint', 'schedule', 'user pool', 'dynamodb']);
  });

  it('goes on after a failing stop, reports it, and stops nothing twice', async () => {
    const stopped: string[] = [];
    const reported: string[] = [];
    const lifecycle = new Lifecycle((name) => reported.push(name));
    lifecycle.started('first', async () => void stopped.push('first'));
    lifecycle.started('broken', async () => {
      throw new Error('no');
    });

    await lifecycle.stop();
    await lifecycle.stop();

    expect({ stopped, reported }).toEqual({ stopped: ['first'], reported: ['broken'] });
  });
});
