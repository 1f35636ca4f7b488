// A new tenant whose five SmartBill card fields have type-and-id names only, different on the
// Offers and Orders modules (the link a `Url` field on one and a `Text` one on the other): the
// options page's suggestions are accepted without a change, and invoices land in the right
// fields of each module.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startSandbox, launchBrowser, configureAll, openCard, panel, panelState, artifact,
} from './harness.mjs';

let sandbox;
let browser;

before(async () => {
  sandbox = await startSandbox({ shape: 'typeIds' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  sandbox?.stop();
});

const documents = async () => (await sandbox.control('/smartbill/documents')).documents.filter((d) => d.number);
const fieldsOf = async (name) => {
  const id = sandbox.info.minicrm.cards[name].projectId;
  const { projects } = await sandbox.control('/minicrm/projects');
  return projects.find((p) => p.Id === id).Fields;
};
const ROLES = ['invoiceNumber', 'link', 'paymentStatus', 'pdf', 'error'];

for (const [module, card] of [['offers', 'offerBucharestRon'], ['orders', 'orderPayerRon']]) {
  test(`${module}: the suggested fields are right as they are, and the invoice lands in them`, async () => {
    const names = sandbox.info.minicrm.cards.fields[module];
    const options = await configureAll(browser, sandbox.info, { module });
    // Accepted without a change: each role got the tenant's field.
    for (const role of ROLES) {
      assert.equal(await options.locator(`#field-${role}`).inputValue(), names[role], role);
    }
    // The picker says what each field is, with a value seen on a recent card.
    const label = await options.locator(`#field-invoiceNumber option[value="${names.invoiceNumber}"]`).innerText();
    assert.match(label, new RegExp(`${names.invoiceNumber} · text · «FCT 01\\d\\d»`));
    await options.screenshot({ path: artifact(`e2e-tenant-${module}-fields.png`), fullPage: true });
    await options.close();
    const page = await openCard(browser, sandbox.info, card);
    await panelState(page, 'notIssued');
    await panel(page).locator('button[data-testid="emit"]').click();
    await panelState(page, 'issued');
    const number = await panel(page).locator('[data-testid="number"]').innerText();
    const fields = await fieldsOf(card);
    assert.equal(fields[names.invoiceNumber], number);
    assert.match(fields[names.link], /documente\/editare\/factura/);
    assert.equal(fields[names.paymentStatus], 'Neîncasată');
    assert.match(fields[names.pdf], /Download\/S3/);
    assert.equal(fields[names.error], '');
    await page.close();
  });
}

test('the already invoiced cards are recognised, not invoiced again', async () => {
  await configureAll(browser, sandbox.info, { module: 'offers' });
  const before = (await documents()).length;
  const page = await openCard(browser, sandbox.info, 'offerInvoiced');
  await panelState(page, 'issued');
  assert.equal(await panel(page).locator('[data-testid="number"]').innerText(), 'FCT 0118');
  assert.equal(await panel(page).locator('button[data-testid="cancel"]').count(), 0);
  assert.equal((await documents()).length, before);
  await page.close();
});
