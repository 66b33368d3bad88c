import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ADMIN_ROLE_ID } from '../../domain/permissions';
import { BROWSER_ENV } from './environment';
import { launchBrowser, openPage, outputs, screenshot } from './support';

const BLUE_SKY = 'Blue Sky Flight School';
const RED_ROCK = 'Red Rock Aviation';
const BLUE_SKY_AIRCRAFT = ['G-BSKY', 'G-BSPA', 'G-BSDA'];
const RED_ROCK_AIRCRAFT = ['N172RR', 'N22RR', 'N152RR'];
/** Unique per run, so reruns against one cloud never meet an account of an earlier run. */
const RUN = Date.now().toString(36);

async function signInAsDemoUser(page: Page, email: string): Promise<void> {
  await page.goto(outputs().appUrl);
  await page.getByRole('button', { name: `Use demo user ${email}` }).click();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

const switcher = (page: Page) => page.getByRole('button', { name: /^Tenant/ });
const tenantMenu = (page: Page) => page.getByRole('menu', { name: 'Your tenants' });

/** The registrations of the aircraft table, once it shows the given one (the new tenant's data arrived). */
async function registrationsOnceShowing(page: Page, registration: string): Promise<string[]> {
  const table = page.getByRole('table', { name: 'Aircraft' });
  await table.getByRole('cell', { name: registration, exact: true }).waitFor();
  return (await table.locator('tbody tr td:first-child').allInnerTexts()).sort();
}

/** The row of the aircraft table that shows `registration`. */
const aircraftRow = (page: Page, registration: string) =>
  page.getByRole('table', { name: 'Aircraft' }).getByRole('row').filter({ has: page.getByRole('cell', { name: registration, exact: true }) });

/** From the aircraft list, through its edit form, back to the list showing the new model. */
async function editAircraftModel(page: Page, registration: string, model: string): Promise<void> {
  await page.getByRole('link', { name: `Edit ${registration}`, exact: true }).click();
  await page.getByRole('heading', { name: new RegExp(`^Edit ${registration}`) }).waitFor();
  await page.getByLabel('Model').fill(model);
  await page.getByRole('button', { name: 'Save changes' }).click();
  await aircraftRow(page, registration).filter({ has: page.getByRole('cell', { name: model, exact: true }) }).waitFor();
}

const rolesTable = (page: Page) => page.getByRole('table', { name: 'Roles' });
const roleRow = (page: Page, text: string) => rolesTable(page).getByRole('row').filter({ hasText: text });

/** Chromium's own console line for a refused request: the one error a forced request may leave. */
const refusedRequestLine = (status: string): string => `console: Failed to load resource: the server responded with a status of ${status}`;

/** Puts the caller in `tenant` first: other tests (and earlier runs) may have switched it elsewhere. */
async function ensureActiveTenant(page: Page, tenant: string): Promise<void> {
  if ((await switcher(page).innerText()).includes(tenant)) return;
  await switcher(page).click();
  await tenantMenu(page).getByRole('menuitemradio', { name: new RegExp(tenant) }).click();
  await page.getByRole('button', { name: new RegExp(`^Tenant\\s+${tenant}`) }).waitFor();
}

/** The codes the user pool "sent" to `email`, newest first: the inspector's Mail view, else the lines cognito-local prints in the cloud's log. */
async function sentCodes(email: string): Promise<string[]> {
  const response = await fetch(`${outputs().endpoint}/_local/console/api/mail`);
  if (response.ok) {
    // Newest first; the username is the user's sub (email is the pool's sign-in alias), the destination its address.
    const messages = (await response.json()) as { destination: string; code: string }[];
    const codes = messages.filter((message) => message.destination === email).map((message) => message.code);
    if (codes.length > 0) return codes;
  }
  const log = readFileSync(join(process.env[BROWSER_ENV.stateDir] ?? '', 'cloud.log'), 'utf8');
  const lines = [...log.matchAll(/\[cognito-local\] email to (\S+) \(user \S+\): code (\d+)/g)].filter((match) => match[1] === email);
  return lines.map((match) => match[2] ?? '').reverse();
}

async function sentCode(email: string): Promise<string> {
  const [newest] = await sentCodes(email);
  if (!newest) throw new Error(`no code was sent to ${email}`);
  return newest;
}

/** The sign-up form, up to the code step: SignUp itself has sent the code. */
async function requestSignUp(page: Page, email: string, password: string): Promise<void> {
  await page.goto(outputs().appUrl);
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByLabel('Confirmation code').waitFor();
}

/** The code step with the newest code sent to `email`, landing signed in with no tenant yet. */
async function confirmWithNewestCode(page: Page, email: string): Promise<void> {
  await page.getByLabel('Confirmation code').fill(await sentCode(email));
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.getByRole('heading', { name: 'No active tenant' }).waitFor();
}

async function signUpAndConfirm(page: Page, email: string, password: string): Promise<void> {
  await requestSignUp(page, email, password);
  await confirmWithNewestCode(page, email);
}

async function createTenant(page: Page, name: string): Promise<void> {
  await page.getByLabel('Tenant name').fill(name);
  await page.getByRole('button', { name: 'Create tenant' }).click();
  await page.getByRole('heading', { name: /^Aircraft/ }).waitFor();
}

/** Tokens live in sessionStorage only: none in the URL, in localStorage, or in anything the page logged. */
async function assertTokensKeptPrivate(page: Page, logged: readonly string[]): Promise<void> {
  const stored = await page.evaluate(() => ({ session: Object.values(sessionStorage).join('\n'), local: localStorage.length }));
  const tokens = [...stored.session.matchAll(/eyJ[\w-]+\.[\w-]+\.[\w-]+/g)].map((match) => match[0]);
  expect(tokens.length).toBeGreaterThan(0);
  expect(stored.local).toBe(0);
  for (const token of tokens) {
    expect(page.url()).not.toContain(token);
    expect(logged.some((line) => line.includes(token))).toBe(false);
  }
}

describe('the tenant app', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
  });

  it("lets a demo user of two tenants switch with one click and shows the other tenant's aircraft", async () => {
    // Prepare
    const { context, page, watch } = await openPage(browser);
    const logged: string[] = [];
    page.on('console', (message) => logged.push(message.text()));
    const userPoolCalls: Record<string, string>[] = [];
    page.on('request', (request) => {
      if (request.headers()['x-amz-target']?.startsWith('AWSCognitoIdentityProviderService.')) userPoolCalls.push(request.headers());
    });
    await signInAsDemoUser(page, 'maya@pilots.example');
    await ensureActiveTenant(page, BLUE_SKY);
    const before = await registrationsOnceShowing(page, 'G-BSKY');
    // Act
    await switcher(page).click();
    const menuItems = await tenantMenu(page).getByRole('menuitemradio').allInnerTexts();
    await screenshot(page, 'app-aircraft-switcher');
    await tenantMenu(page).getByRole('menuitemradio', { name: new RegExp(RED_ROCK) }).click();
    const after = await registrationsOnceShowing(page, 'N172RR');
    // Assess
    expect(menuItems.some((item) => item.includes(BLUE_SKY))).toBe(true);
    expect(menuItems.some((item) => item.includes(RED_ROCK))).toBe(true);
    expect(before).toEqual([...BLUE_SKY_AIRCRAFT].sort());
    expect(after).toEqual([...RED_ROCK_AIRCRAFT].sort());
    expect(await switcher(page).innerText()).toContain(RED_ROCK);
    await assertTokensKeptPrivate(page, logged);
    // The user pool's public operations go unsigned: the app holds no AWS credentials at all.
    expect(userPoolCalls.map((headers) => headers['x-amz-target'])).toContain('AWSCognitoIdentityProviderService.InitiateAuth');
    expect(userPoolCalls.filter((headers) => headers.authorization !== undefined || headers['x-amz-security-token'] !== undefined)).toEqual([]);
    expect(watch.errors).toEqual([]);
    // Back where the seed put her, for whoever signs in as maya next.
    await ensureActiveTenant(page, BLUE_SKY);
    await context.close();
  });

  it("hides a pilot's add-aircraft button, and shows the API's refusal when the form is submitted anyway", async () => {
    // Prepare
    const { context, page, watch } = await openPage(browser);
    await signInAsDemoUser(page, 'maya@pilots.example');
    await ensureActiveTenant(page, BLUE_SKY);
    await registrationsOnceShowing(page, 'G-BSKY');
    const addButtons = await page.getByRole('link', { name: 'Add aircraft' }).count();
    // Act: the form's own route, as a user who types the URL would reach it
    await page.goto(`${outputs().appUrl}#/aircraft/new`);
    await page.getByLabel('Registration').fill(`G-X${RUN.slice(-3).toUpperCase()}`);
    await page.getByLabel('Model').fill('Forced request');
    await page.getByRole('button', { name: 'Save aircraft' }).click();
    const refusal = page.getByRole('alert');
    await refusal.waitFor();
    // Assess
    expect(addButtons).toBe(0);
    expect(await refusal.innerText()).toContain('Your role does not allow aircraft:write');
    await screenshot(page, 'app-forced-request-refused');
    // The browser itself reports the refused request; nothing else went wrong.
    expect(watch.errors).toEqual([refusedRequestLine('403 (Forbidden)')]);
    await context.close();
  });

  it("lets an admin edit an aircraft's model and shows the new model in the list", async () => {
    // Prepare
    const { context, page, watch } = await openPage(browser);
    const registration = 'G-BSPA';
    const seeded = 'Piper PA-28 Warrior';
    const edited = `Piper PA-28 Warrior re-engined ${RUN}`;
    await signInAsDemoUser(page, 'ada@blue-sky.example');
    await ensureActiveTenant(page, BLUE_SKY);
    await registrationsOnceShowing(page, registration);
    // Act
    await page.getByRole('link', { name: `Edit ${registration}`, exact: true }).click();
    await page.getByRole('heading', { name: new RegExp(`^Edit ${registration}`) }).waitFor();
    const prefilled = await page.getByLabel('Model').inputValue();
    await page.getByLabel('Model').fill(edited);
    await screenshot(page, 'app-aircraft-edit');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await aircraftRow(page, registration).filter({ has: page.getByRole('cell', { name: edited, exact: true }) }).waitFor();
    const shownModel = await aircraftRow(page, registration).getByRole('cell').nth(1).innerText();
    // Assess
    expect(prefilled).toBe(seeded);
    expect(shownModel).toBe(edited);
    expect(watch.errors).toEqual([]);
    // Back to the seed's model, for whoever reads this aircraft next.
    await editAircraftModel(page, registration, seeded);
    await context.close();
  });

  it("hides a pilot's edit buttons, and shows the API's refusal when an aircraft's edit form is submitted anyway", async () => {
    // Prepare: the edit link an admin is offered (a pilot is offered none), as a shared URL would bring it
    const admin = await openPage(browser);
    await signInAsDemoUser(admin.page, 'ada@blue-sky.example');
    await ensureActiveTenant(admin.page, BLUE_SKY);
    await registrationsOnceShowing(admin.page, 'G-BSKY');
    const editHref = await admin.page.getByRole('link', { name: 'Edit G-BSKY', exact: true }).getAttribute('href');
    await admin.context.close();
    const { context, page, watch } = await openPage(browser);
    await signInAsDemoUser(page, 'maya@pilots.example');
    await ensureActiveTenant(page, BLUE_SKY);
    await registrationsOnceShowing(page, 'G-BSKY');
    const aircraftEditLinks = await page.getByRole('link', { name: /^Edit / }).count();
    await page.getByRole('link', { name: 'Roles' }).click();
    await roleRow(page, 'Pilot').waitFor();
    const roleEditLinks = await page.getByRole('link', { name: /^Edit role/ }).count();
    // Act: the edit form's own route
    await page.goto(`${outputs().appUrl}${editHref ?? ''}`);
    await page.getByRole('heading', { name: /^Edit G-BSKY/ }).waitFor();
    await page.getByLabel('Model').fill('Forced edit');
    await page.getByRole('button', { name: 'Save changes' }).click();
    const refusal = page.getByRole('alert');
    await refusal.waitFor();
    const refusalText = await refusal.innerText();
    await screenshot(page, 'app-forced-edit-refused');
    await page.getByRole('link', { name: 'Cancel' }).click();
    const shownModel = await aircraftRow(page, 'G-BSKY').getByRole('cell').nth(1).innerText();
    // Assess
    expect(editHref).toMatch(/^#\/aircraft\/[^/]+\/edit$/);
    expect(aircraftEditLinks).toBe(0);
    expect(roleEditLinks).toBe(0);
    expect(refusalText).toContain('Your role does not allow aircraft:write');
    expect(shownModel).toBe('Cessna 172S Skyhawk');
    expect(watch.errors).toEqual([refusedRequestLine('403 (Forbidden)')]);
    await context.close();
  });

  it('signs a new user up, confirms it with the sent code, and lands on the tenant it creates', async () => {
    // Prepare
    const { context, page, watch } = await openPage(browser);
    const email = `newcomer-${RUN}@example.com`;
    const tenant = `Newcomer Aero ${RUN}`;
    const logged: string[] = [];
    page.on('console', (message) => logged.push(message.text()));
    // Act
    await signUpAndConfirm(page, email, 'Sky-high-2026');
    await createTenant(page, tenant);
    // Assess
    expect(await switcher(page).innerText()).toContain(tenant);
    expect(await page.getByLabel('Signed in as').innerText()).toContain('admin');
    await switcher(page).click();
    expect(await tenantMenu(page).getByRole('menuitemradio', { checked: true }).innerText()).toContain(tenant);
    await page.keyboard.press('Escape');
    await page.getByRole('link', { name: 'Members' }).click();
    await page.getByRole('table', { name: 'Members' }).getByRole('cell', { name: email, exact: true }).waitFor();
    await assertTokensKeptPrivate(page, logged);
    expect(watch.errors).toEqual([]);
    await context.close();
  });

  it('sends the code at sign-up, and a new one only when asked; the newest code confirms the account', async () => {
    // Prepare
    const { context, page, watch } = await openPage(browser);
    const email = `resend-${RUN}@example.com`;
    await requestSignUp(page, email, 'Sky-high-2026');
    const afterSignUp = await sentCodes(email);
    // Act: the user lost the first code
    await page.getByRole('button', { name: 'Send a new code' }).click();
    await page.getByRole('status').filter({ hasText: 'A new code was sent' }).waitFor();
    const afterResend = await sentCodes(email);
    await confirmWithNewestCode(page, email);
    // Assess: SignUp sent one code, the button one more, and the account is signed in
    expect(afterSignUp).toHaveLength(1);
    expect(afterResend).toHaveLength(2);
    expect(await page.getByLabel('Signed in as').innerText()).toContain(email);
    expect(watch.errors).toEqual([]);
    await context.close();
  });

  it('lets a pilot book an aircraft and cancel the booking', async () => {
    // Prepare: a slot nine days ahead, on the hour, that no seeded booking takes
    const { context, page, watch } = await openPage(browser);
    const start = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 9 * 24 * 3_600_000);
    const local = (date: Date): string => new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await signInAsDemoUser(page, 'maya@pilots.example');
    await ensureActiveTenant(page, BLUE_SKY);
    await page.getByRole('link', { name: 'Reservations' }).click();
    // Act
    await page.getByRole('link', { name: 'Book an aircraft' }).click();
    await page.getByRole('combobox', { name: 'Aircraft' }).selectOption({ label: 'G-BSDA — Diamond DA40' });
    await page.getByLabel('From', { exact: true }).fill(local(start));
    await page.getByLabel('To', { exact: true }).fill(local(new Date(start.getTime() + 3_600_000)));
    await page.getByRole('button', { name: 'Book' }).click();
    // The row shows the start as the page's locale writes it.
    const shownStart = await page.evaluate((iso) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }), start.toISOString());
    const mine = page.getByRole('row').filter({ hasText: 'G-BSDA' }).filter({ hasText: shownStart });
    await mine.waitFor();
    await screenshot(page, 'app-reservations');
    const booked = await mine.innerText();
    await mine.getByRole('button', { name: 'Cancel' }).click();
    await mine.waitFor({ state: 'detached' });
    // Assess
    expect(booked).toContain('G-BSDA');
    expect(booked).toContain('you');
    expect(watch.errors).toEqual([]);
    await context.close();
  });

  it('forgets the session on sign-out: nothing kept in the tab, a reload asks to sign in', async () => {
    // Prepare
    const { context, page, watch } = await openPage(browser);
    await signInAsDemoUser(page, 'ben@blue-sky.example');
    // Act
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    // Assess
    expect(await page.evaluate(() => sessionStorage.length + localStorage.length)).toBe(0);
    expect(watch.errors).toEqual([]);
    await context.close();
  });

  it("gives an admin the member page's actions: add, change a role, remove, revoke an invitation", async () => {
    // Prepare
    const { context, page, watch } = await openPage(browser);
    await signInAsDemoUser(page, 'ada@blue-sky.example');
    await ensureActiveTenant(page, BLUE_SKY);
    // Act
    await page.getByRole('link', { name: 'Members' }).click();
    const members = page.getByRole('table', { name: 'Members' });
    await members.getByRole('cell', { name: 'maya@pilots.example', exact: true }).waitFor();
    await page.getByRole('table', { name: 'Invitations' }).getByRole('cell', { name: 'lee@blue-sky.example', exact: true }).waitFor();
    // Assess
    expect(await page.getByRole('link', { name: 'Add member' }).count()).toBe(1);
    expect(await members.getByRole('combobox', { name: 'Role of maya@pilots.example' }).inputValue()).toBe('pilot');
    expect(await members.getByRole('button', { name: 'Remove maya@pilots.example' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Revoke the invitation of lee@blue-sky.example' }).count()).toBe(1);
    await screenshot(page, 'app-members-admin');
    expect(watch.errors).toEqual([]);
    await context.close();
  });

  it("shows an admin the tenant's roles with their actions and its audit log", async () => {
    // Prepare
    const { context, page, watch } = await openPage(browser);
    await signInAsDemoUser(page, 'ada@blue-sky.example');
    await ensureActiveTenant(page, BLUE_SKY);
    // Act
    await page.getByRole('link', { name: 'Roles' }).click();
    const pilot = page.getByRole('table', { name: 'Roles' }).getByRole('row').filter({ hasText: 'Pilot' });
    await pilot.waitFor();
    const pilotActions = await pilot.locator('code').allInnerTexts();
    const newRoleLinks = await page.getByRole('link', { name: 'New role' }).count();
    await screenshot(page, 'app-roles-admin');
    await page.getByRole('link', { name: 'Audit log' }).click();
    const events = page.getByRole('table', { name: 'Audit events' });
    await events.waitFor();
    const types = await events.locator('tbody tr td:nth-child(2)').allInnerTexts();
    await screenshot(page, 'app-audit-admin');
    // Assess
    expect(pilotActions).toEqual(['aircraft:read', 'reservation:read', 'reservation:create']);
    expect(newRoleLinks).toBe(1);
    expect(types.length).toBeGreaterThan(0);
    expect(types.some((type) => type.startsWith('tenant.'))).toBe(true);
    expect(watch.errors).toEqual([]);
    await context.close();
  });

  it("lets an admin change a custom role's actions and shows them in the roles list", async () => {
    // Prepare: a role of this run's own, so that no seeded member's rights change
    const { context, page, watch } = await openPage(browser);
    const name = `Ground crew ${RUN}`;
    await signInAsDemoUser(page, 'ada@blue-sky.example');
    await ensureActiveTenant(page, BLUE_SKY);
    await page.getByRole('link', { name: 'Roles' }).click();
    await page.getByRole('link', { name: 'New role' }).click();
    await page.getByLabel('Role name').fill(name);
    await page.getByRole('checkbox', { name: 'aircraft:read', exact: true }).check();
    await page.getByRole('button', { name: 'Create role' }).click();
    await roleRow(page, name).waitFor();
    // Act
    await page.getByRole('link', { name: `Edit role ${name}`, exact: true }).click();
    await page.getByRole('heading', { name: `Edit role ${name}` }).waitFor();
    const prefilled = await page.getByRole('checkbox', { name: 'aircraft:read', exact: true }).isChecked();
    await page.getByRole('checkbox', { name: 'aircraft:write', exact: true }).check();
    await page.getByRole('checkbox', { name: 'reservation:read', exact: true }).check();
    await screenshot(page, 'app-role-edit');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await roleRow(page, name).getByText('aircraft:write', { exact: true }).waitFor();
    const shownActions = await roleRow(page, name).locator('code').allInnerTexts();
    // Assess
    expect(prefilled).toBe(true);
    expect(shownActions).toEqual(['aircraft:read', 'aircraft:write', 'reservation:read']);
    expect(watch.errors).toEqual([]);
    // No member holds it: gone again, for a tenant that looks as seeded.
    await page.getByRole('button', { name: `Delete role ${name}`, exact: true }).click();
    await roleRow(page, name).waitFor({ state: 'detached' });
    await context.close();
  });

  it("offers no edit of the built-in admin role, and shows the API's refusal when its form is submitted anyway", async () => {
    // Prepare
    const { context, page, watch } = await openPage(browser);
    await signInAsDemoUser(page, 'ada@blue-sky.example');
    await ensureActiveTenant(page, BLUE_SKY);
    await page.getByRole('link', { name: 'Roles' }).click();
    await roleRow(page, 'Pilot').waitFor();
    const adminRowLinks = await roleRow(page, 'every action (built in)').getByRole('link').count();
    const pilotEditLinks = await roleRow(page, 'Pilot').getByRole('link', { name: 'Edit role Pilot', exact: true }).count();
    // Act: the built-in role's edit route, typed by hand
    await page.goto(`${outputs().appUrl}#/roles/${ADMIN_ROLE_ID}/edit`);
    await page.getByRole('heading', { name: /^Edit role/ }).waitFor();
    await page.getByRole('button', { name: 'Save changes' }).click();
    const refusal = page.getByRole('alert');
    await refusal.waitFor();
    // Assess
    expect(adminRowLinks).toBe(0);
    expect(pilotEditLinks).toBe(1);
    expect(await refusal.innerText()).toContain(`The built-in ${ADMIN_ROLE_ID} role cannot be changed or deleted`);
    expect(watch.errors).toEqual([refusedRequestLine('409 (Conflict)')]);
    await context.close();
  });

  it("refuses a wrong password with the user pool's message", async () => {
    // Prepare
    const { context, page } = await openPage(browser);
    await page.goto(outputs().appUrl);
    // Act
    await page.getByLabel('Email').fill('maya@pilots.example');
    await page.getByLabel('Password').fill('not-her-password-1A');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const refusal = page.getByRole('alert');
    await refusal.waitFor();
    // Assess
    expect(await refusal.innerText()).toContain('Incorrect username or password.');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await context.close();
  });

  it('shows a tenant name made of markup as text in the menu and the header, creating no element', async () => {
    // Prepare
    const { context, page, watch } = await openPage(browser);
    const name = `<img src=x onerror="window.__pwned=1">Sky<b>${RUN}`;
    await signUpAndConfirm(page, `markup-${RUN}@example.com`, 'Sky-high-2026');
    // Act
    await createTenant(page, name);
    await switcher(page).click();
    // Assess
    expect(await switcher(page).innerText()).toContain(name);
    expect(await tenantMenu(page).getByRole('menuitemradio', { checked: true }).innerText()).toContain(name);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toContain(name);
    const injected = await page.evaluate(() => ({
      images: document.querySelectorAll('img').length,
      bold: document.querySelectorAll('b').length,
      pwned: (window as unknown as { __pwned?: unknown }).__pwned,
    }));
    expect(injected).toEqual({ images: 0, bold: 0, pwned: undefined });
    await screenshot(page, 'app-markup-tenant-name');
    expect(watch.errors).toEqual([]);
    await context.close();
  });
});
