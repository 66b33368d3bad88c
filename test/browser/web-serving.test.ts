import type { Browser } from 'playwright-core';
import { launchBrowser, openPage, outputs } from './support';

describe('the front ends as served', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
  });

  it.each([
    ['the tenant app', (): string => outputs().appUrl],
    ['the inspector', (): string => outputs().consoleUrl],
  ])('%s loads with a content security policy that forbids inline script and framing', async (_name, url) => {
    // Prepare
    const { context, page, watch } = await openPage(browser);
    // Act
    const response = await page.goto(url());
    await page.waitForSelector('#root > *');
    // Assess
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(watch.errors).toEqual([]);
    await context.close();
  });

  it('runs no inline script even when one reaches the page: the policy blocks it', async () => {
    // Prepare
    const { context, page } = await openPage(browser);
    await page.goto(outputs().appUrl);
    await page.waitForSelector('#root > *');
    const violations: string[] = [];
    await page.exposeFunction('reportViolation', (directive: string) => violations.push(directive));
    await page.evaluate(() => {
      document.addEventListener('securitypolicyviolation', (event: SecurityPolicyViolationEvent) => (window as unknown as { reportViolation: (d: string) => void }).reportViolation(event.violatedDirective));
    });
    // Act: what a failure of escaping would let in
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.__injected = true';
      document.body.appendChild(script);
    });
    // Assess
    await page.waitForFunction(() => true);
    expect(await page.evaluate(() => (window as unknown as { __injected?: boolean }).__injected)).toBeUndefined();
    expect(violations.some((directive) => directive.startsWith('script-src'))).toBe(true);
    await context.close();
  });
});
