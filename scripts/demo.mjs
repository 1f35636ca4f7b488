// Drives the demo: configures the extension through its options page, then opens a sample offer
// card of the fake MiniCRM where the SmartBill panel sits.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startSandbox, launchBrowser, configureAll, openCard, panel, panelState, ROOT } from '../tests/e2e/harness.mjs';

const headed = Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY) && !process.argv.includes('--headless');
const out = join(ROOT, 'artifacts', 'demo');
mkdirSync(out, { recursive: true });
const shot = async (page, name) => {
  const path = join(out, name);
  await page.screenshot({ path, fullPage: true });
  console.log(`  screenshot: ${path}`);
};

const sandbox = await startSandbox();
const { minicrm, smartbill } = sandbox.info;
console.log(`sandbox: SmartBill ${smartbill.apiBase}, MiniCRM ${minicrm.base}/${minicrm.systemId}/`);
const browser = await launchBrowser({ headless: !headed });
try {
  console.log('1. options page: the sandbox account, both connections tested, the card fields confirmed, stock sync on');
  const options = await configureAll(browser, sandbox.info, { stock: 'Depozit Central', auto: true, triggers: ['Acceptată'] });
  await options.locator('#checklist li').first().waitFor();
  await options.waitForTimeout(1500);
  await shot(options, '1-options.png');

  console.log('2. an offer card of the fake MiniCRM, with the SmartBill panel');
  const card = await openCard(browser, sandbox.info, 'offerBucharestRon');
  await card.waitForTimeout(500);
  await shot(card, '2-offer-card.png');

  console.log('3. "Emite factură": the invoice is issued in SmartBill and the card fields are filled');
  await panel(card).locator('button[data-testid="emit"]').click();
  await panelState(card, 'issued');
  await card.click('[data-testid="tab-project"]');
  await card.locator('[data-testid="field-SmartBillInvoiceNumber"]', { hasText: 'FCT' }).waitFor();
  await shot(card, '3-offer-card-issued.png');

  console.log('4. another offer moves to "Acceptată": the invoice is issued without a click');
  const auto = await openCard(browser, sandbox.info, 'offerPersonRon');
  await auto.waitForTimeout(1500);
  await auto.selectOption('[data-testid="status-select"]', { label: 'Acceptată' });
  await panelState(auto, 'issued', 30000);
  await shot(auto, '4-offer-card-auto.png');

  console.log('5. the popup: payment refresh, stock sync, activity');
  const popup = await browser.page('popup.html');
  await popup.setViewportSize({ width: 400, height: 760 });
  await popup.locator('[data-testid="activity"] > li').first().waitFor();
  await shot(popup, '5-popup.png');

  if (headed) {
    console.log('The browser stays open: try the other cards (Oferte, Comenzi) and the popup. Ctrl+C to stop.');
    await new Promise((resolve) => process.on('SIGINT', resolve));
  } else {
    console.log(`No display: the steps ran headless; screenshots are in ${out}`);
  }
} finally {
  await browser.close();
  sandbox.stop();
}
