import type { Locator, Page } from '@playwright/test';
import { expect, test } from './support/shell.ts';

/** Presses Tab until `target` has the focus (at most `max` times): the way a keyboard user gets there. */
async function tabTo(page: Page, target: Locator, max = 40): Promise<void> {
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press('Tab');
    if (await target.evaluate((el) => el === document.activeElement)) return;
  }
  throw new Error(`${String(target)} was not reached with ${max} presses of Tab`);
}

test('export with the keyboard alone, with options changed by keys', async ({ settings, page }) => {
  const settingsBox = page.getByRole('checkbox', { name: /Settings/ });
  await tabTo(page, settingsBox);
  await page.keyboard.press('Space');
  await expect(settingsBox).not.toBeChecked();

  const level = page.getByRole('slider');
  await tabTo(page, level);
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowRight');
  await expect(page.locator('output[for="compression-level"]')).toHaveText('1');

  await tabTo(page, page.getByRole('button', { name: 'Export backup' }));
  await page.keyboard.press('Enter');
  await expect(settings.toast('success', 'Backup exported successfully')).toBeVisible();
  await expect(settings.rows()).toHaveCount(1);
  const fileName = (await settings.rows().first().getAttribute('data-file-name')) ?? '';

  // A toast closes from the keyboard (focus pauses its countdown).
  const close = settings.toast('success').getByRole('button', { name: /^Dismiss/ });
  await tabTo(page, close);
  await page.keyboard.press('Enter');
  await expect(settings.toast('success')).toHaveCount(0);

  // The restore confirmation, opened and closed by keys, shows that settings were left out.
  await tabTo(page, page.getByRole('button', { name: `Restore ${fileName}` }));
  await page.keyboard.press('Enter');
  await expect(settings.dialog()).toBeVisible();
  await expect(settings.dialog()).toContainText('Settings');
  await expect(settings.dialog().getByRole('row', { name: /Settings/ })).toContainText('not in backup');
  await page.keyboard.press('Escape');
  await expect(settings.dialog()).toBeHidden();
});
