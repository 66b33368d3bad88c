import type { Browser, Page } from 'playwright-core';
import { DETAIL_TYPE } from '../../events/catalog';
import { WORKFLOWS } from '../../workflows/registry';
import { createTenant, failingRule, injectFault, newUser, type FailingRule, type TestUser } from './inspector-fixtures';
import { launchBrowser, openPage, outputs, screenshot } from './support';

/** A page of the inspector at a route (`executions?…`), as a link to it opens. */
const inspectorAt = (route: string): string => new URL(`#${route}`, outputs().consoleUrl).toString();
const apiUrl = (view: string): string => new URL(`api/${view}`, outputs().consoleUrl).toString();

/** The graph node of a state: its accessible name starts with the state and its type and says how the run went through it. */
const graphNode = (page: Page, state: string) => page.getByRole('figure').getByRole('button', { name: new RegExp(`^${state} \\(`) });

describe('the inspector', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
  });

  describe('an onboarding whose step inside the Parallel failed', () => {
    const injected = 'CognitoIdentityProvider.InternalErrorException';
    let user: TestUser;
    beforeAll(async () => {
      user = await newUser('inspector-fault');
      await injectFault(WORKFLOWS.onboarding.name, 'CreateTenantGroup', user.userId, injected);
      const answer = await createTenant(user, 'Doomed Aviation');
      expect(answer.status).toBe(500);
    });

    it('shows the failed state marked with its error, and the compensation states on the path', async () => {
      // Prepare
      const { context, page, watch } = await openPage(browser);
      await page.goto(inspectorAt(`executions?machine=${WORKFLOWS.onboarding.name}&user=${user.userId}`));
      // Act
      await page.getByRole('link', { name: /Onboarding FAILED/ }).click();
      // Assess
      await expect(graphNode(page, 'CreateTenantGroup').getAttribute('aria-label')).resolves.toBe(`CreateTenantGroup (Task), on the path, failed: ${injected}`);
      expect(await page.getByLabel('Failed state').textContent()).toContain(`CreateTenantGroup: ${injected}`);
      for (const state of ['RecordCreateTenantFailure', 'UndoTenant', 'DeleteTenantGroup', 'DeleteTenantItemsAndQuota', 'PublishOnboardingFailed']) {
        expect(await graphNode(page, state).getAttribute('aria-label')).toMatch(/on the path.*compensation$/);
      }
      expect(await graphNode(page, 'AddUserToGroup').getAttribute('aria-label')).toBe('AddUserToGroup (Task), not reached');
      expect(await graphNode(page, 'SetActiveTenant').getAttribute('aria-label')).toBe('SetActiveTenant (Task), not reached');
      const path = page.getByRole('list', { name: 'Path taken' });
      await expect(path.getByRole('listitem', { name: 'UndoTenant: succeeded, compensation' }).count()).resolves.toBe(1);
      await expect(path.getByRole('listitem', { name: 'CreateTenantGroup: failed' }).count()).resolves.toBe(1);
      // The history beside it: the failed state's input and output, one click away.
      await graphNode(page, 'CreateTenantGroup').click();
      expect(await page.getByLabel('Input of CreateTenantGroup').textContent()).toContain(user.userId);
      expect(await page.getByLabel('Output of CreateTenantGroup').textContent()).toContain(injected);
      expect(page.url()).toContain('state=CreateTenantGroup');
      await screenshot(page, 'inspector-failed-execution');
      expect(watch.errors).toEqual([]);
      await context.close();
    });

    it('opens the same execution and state from a link to it', async () => {
      // Prepare
      const { context, page, watch } = await openPage(browser);
      await page.goto(inspectorAt(`executions?user=${user.userId}`));
      await page.getByRole('link', { name: /Onboarding FAILED/ }).click();
      await graphNode(page, 'UndoTenant').click();
      const link = page.url();
      const { context: other, page: second } = await openPage(browser);
      // Act
      await second.goto(link);
      // Assess
      const heading = (await page.getByRole('heading', { level: 2 }).textContent()) ?? '';
      expect(heading).toMatch(/^Onboarding · /);
      // The page shows a placeholder heading until the execution has loaded: wait for the real one.
      await second.getByRole('heading', { level: 2, name: heading, exact: true }).waitFor();
      expect(await second.getByRole('heading', { level: 2 }).textContent()).toBe(heading);
      expect(await graphNode(second, 'UndoTenant').getAttribute('aria-pressed')).toBe('true');
      expect(await second.getByLabel('Input of UndoTenant').count()).toBe(1);
      expect(watch.errors).toEqual([]);
      await Promise.all([context.close(), other.close()]);
    });
  });

  describe('an event whose target fails', () => {
    let rule: FailingRule;
    let eventId: string;
    const retries = 2;
    const markup = '<img src=x onerror="window.__injected=1">';
    beforeAll(async () => {
      rule = await failingRule(retries);
      eventId = await rule.publish({ note: markup });
    });
    afterAll(async () => {
      await rule.remove();
    });

    it('shows every delivery attempt, then the dead letter', async () => {
      // Prepare
      const { context, page, watch } = await openPage(browser);
      // Act
      await page.goto(inspectorAt(`events?source=${rule.source}`));
      // Assess: the page polls until the bus has given up
      const deadLetter = page.getByRole('note', { name: `Dead letter of ${rule.targetId}` });
      await deadLetter.waitFor();
      expect(await deadLetter.textContent()).toMatch(new RegExp(`^Dead letter after ${retries + 1} attempts .*StateMachineDoesNotExist: State Machine Does Not Exist`));
      const attempts = page.getByRole('list', { name: `Delivery attempts to ${rule.targetId}` }).getByRole('listitem');
      expect(await attempts.allTextContents()).toEqual([1, 2, 3].map((attempt) => expect.stringMatching(new RegExp(`^attempt ${attempt}: failed at .*State Machine Does Not Exist`))));
      const event = page.getByRole('article', { name: `Event inspector.probe ${eventId}` });
      expect(await event.getByRole('list', { name: 'Rules matched' }).textContent()).toContain(rule.ruleName);
      await event.getByText('Detail', { exact: true }).click();
      await screenshot(page, 'inspector-dead-letter');
      expect(watch.errors).toEqual([]);
      await context.close();
    });

    it('shows markup in an event detail as text, and runs none of it', async () => {
      // Prepare
      const { context, page, watch } = await openPage(browser);
      await page.goto(inspectorAt(`events?source=${rule.source}`));
      const detail = page.getByLabel(`Detail of event ${eventId}`);
      // Act
      await page.getByText('Detail', { exact: true }).click();
      // Assess
      expect(await detail.textContent()).toContain(markup.replaceAll('"', '\\"'));
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { __injected?: number }).__injected)).toBeUndefined();
      expect(watch.errors).toEqual([]);
      await context.close();
    });
  });

  it('shows an execution started after the page was opened, without reloading it', async () => {
    // Prepare
    const user = await newUser('inspector-live');
    const { context, page, watch } = await openPage(browser);
    await page.goto(inspectorAt(`executions?user=${user.userId}`));
    await page.getByText('No executions match.').waitFor();
    await page.evaluate(() => ((window as unknown as { __sameDocument?: boolean }).__sameDocument = true));
    // Act
    const answer = await createTenant(user, 'Live Wire Aviation');
    // Assess
    expect(answer.status).toBe(201);
    await page.getByRole('link', { name: /Onboarding SUCCEEDED/ }).waitFor();
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    expect(watch.errors).toEqual([]);
    await context.close();
  });

  it('lists invocations with their cold starts: the seeded cloud started every function it ran once, then kept it warm', async () => {
    // Prepare
    const { context, page, watch } = await openPage(browser);
    // Act
    await page.goto(inspectorAt('invocations'));
    // Assess
    const rows = page.getByRole('region', { name: 'Invocations' }).getByRole('row');
    await rows.filter({ hasText: /cold \d+ ms/ }).first().waitFor();
    await rows.filter({ hasText: 'warm' }).first().waitFor();
    expect(watch.errors).toEqual([]);
    await context.close();
  });

  describe('against attacks', () => {
    it('sends no CORS header to a foreign origin, so another site\'s page cannot read it', async () => {
      // Prepare: a page of another origin (the REST API's, another port: another origin to the browser)
      const { context, page } = await openPage(browser);
      await page.goto(`${outputs().apiUrl}/me`);
      // Act
      const direct = await fetch(apiUrl('executions'), { headers: { origin: 'https://evil.example' } });
      const fromPage = await page.evaluate(async (url) => {
        try {
          await (await fetch(url)).text();
          return 'read';
        } catch (error) {
          return error instanceof TypeError ? 'blocked' : String(error);
        }
      }, apiUrl('executions'));
      // Assess
      expect(direct.status).toBe(200);
      expect([...direct.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([]);
      expect(fromPage).toBe('blocked');
      await context.close();
    });

    it.each(['POST', 'PUT', 'DELETE', 'PATCH'])('refuses %s: the inspector is read-only', async (method) => {
      // Act
      const response = await fetch(apiUrl('executions'), { method, headers: { 'content-type': 'application/json' }, body: '{}' });
      // Assess
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(await response.text()).not.toContain('"executions"');
    });

    it.each([
      ['executions?status=<script>', 'status'],
      ['executions?limit=0', 'limit'],
      ['executions?machine=a%20b', 'machine'],
      ['events?unknown=1', 'unknown'],
      ['audit?tenant=TENANT%23x', 'tenant'],
      ['execution', 'arn'],
    ])('answers 400 naming the parameter for %s', async (view, parameter) => {
      // Act
      const response = await fetch(apiUrl(view));
      // Assess
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ message: expect.stringContaining(`Query parameter ${parameter}:`), parameter });
    });

    it('shows a tenant name with markup as text, and serves none of the user\'s tokens anywhere', async () => {
      // Prepare
      const user = await newUser('inspector-markup');
      const name = '<img src=x onerror="window.__injected=1"> Markup Air';
      const created = await createTenant(user, name);
      expect(created.status).toBe(201);
      const { tenantId } = (created.body as { tenant: { tenantId: string } }).tenant;
      const { context, page, watch } = await openPage(browser);
      // Act
      await page.goto(inspectorAt('audit'));
      const tenants = page.getByRole('combobox', { name: 'Tenant' });
      await tenants.getByRole('option', { name: `${name} (${tenantId})` }).waitFor({ state: 'attached' });
      await tenants.selectOption(tenantId);
      // Assess: the trail the audit writer keeps, with the name inside a record's detail shown as text
      const onboarded = page.getByRole('region', { name: 'Audit trail' }).getByRole('row').filter({ hasText: DETAIL_TYPE.tenantOnboarded });
      await onboarded.waitFor();
      expect(await onboarded.textContent()).toContain(`"tenantName": ${JSON.stringify(name)}`);
      expect(page.url()).toContain(`tenant=${tenantId}`);
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { __injected?: number }).__injected)).toBeUndefined();
      const served = await Promise.all(['executions', 'events', 'failures', 'invocations', 'tenants', 'mail'].map(async (view) => (await fetch(apiUrl(view))).text()));
      const own = ((await (await fetch(`${apiUrl('executions')}?user=${user.userId}`)).json()) as { executions: { executionArn: string }[] }).executions;
      expect(own).toHaveLength(1);
      served.push(await (await fetch(`${apiUrl('execution')}?arn=${encodeURIComponent(own[0]?.executionArn ?? '')}`)).text());
      for (const text of served) {
        expect(text).not.toContain(user.idToken);
        expect(text).not.toContain(user.refreshToken);
        expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\./);
      }
      expect(watch.errors).toEqual([]);
      await context.close();
    });
  });
});
