// Drives the demo: configures the extension through its options page, then opens a sample offer
// card of the fake MiniCRM where the SmartBill panel sits.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startSandbox, launchBrowser, configure, ROOT } from '../tests/e2e/harness.mjs';

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
  console.log('1. options page: filling in the sandbox account and testing both connections');
  const options = await configure(browser, sandbox.info);
  await options.click('#testSmartBill');
  await options.locator('#smartbillResult:not([hidden])').waitFor();
  await options.click('#testMiniCrm');
  await options.locator('#minicrmResult:not([hidden])').waitFor();
  await options.click('#save');
  await options.locator('#saveStatus.ok, #saveStatus.fail').waitFor();
  await shot(options, '1-options.png');

  console.log('2. an offer card of the fake MiniCRM, with the SmartBill panel');
  const offer = minicrm.cards.offerBucharestRon;
  const card = await browser.context.newPage();
  await card.goto(`${minicrm.base}/${minicrm.systemId}/#Project-${offer.categoryId}/${offer.projectId}`);
  await card.locator('#minicrm-smartbill-panel').waitFor({ state: 'attached' });
  await card.waitForTimeout(800);
  await shot(card, '2-offer-card.png');

  if (headed) {
    console.log('The browser stays open: click "Emite factură" on the card. Ctrl+C to stop.');
    await new Promise((resolve) => process.on('SIGINT', resolve));
  } else {
    console.log(`No display: the steps ran headless; screenshots are in ${out}`);
  }
} finally {
  await browser.close();
  sandbox.stop();
}
