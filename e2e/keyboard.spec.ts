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

  // A toast closes from the keyboard (focus pauses its countdown). The toasts come after the
  // whole page (the automatic backups' form among it), further than a success toast lives
  // from the Export button: the keyboard goes there from the list's last button.
  const close = settings.toast('success').getByRole('button', { name: /^Dismiss/ });
  await page.getByRole('button', { name: `Delete ${fileName}` }).focus();
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

test('Enter on an export option changes nothing and starts no export', async ({ settings, page }) => {
  // After each Enter a key that needs the option enabled: had Enter started an export, the
  // options would be disabled while it ran (and the key do nothing), or it would have ended
  // with a toast and a backup in the list.
  const database = page.getByRole('checkbox', { name: /Database/ });
  await tabTo(page, database);
  await page.keyboard.press('Enter');
  await expect(database).toBeChecked();
  await page.keyboard.press('Space');
  await expect(database).not.toBeChecked();

  const level = page.getByRole('slider');
  await tabTo(page, level);
  await page.keyboard.press('Enter');
  await page.keyboard.press('ArrowRight');
  await expect(page.locator('output[for="compression-level"]')).toHaveText('7');

  await expect(page.getByTestId('export-progress')).toHaveCount(0);
  await expect(page.locator('[data-testid="toast"]')).toHaveCount(0);
  await expect(page.getByTestId('no-backups')).toBeVisible();
});

test('focus goes back to the control that started an export, a verify, a file choice and a closed dialog', async ({ settings, shell, page }) => {
  const exportButton = page.getByRole('button', { name: 'Export backup' });
  await tabTo(page, exportButton);
  await page.keyboard.press('Enter');
  await expect(settings.toast('success', 'Backup exported successfully')).toBeVisible();
  await expect(settings.rows()).toHaveCount(1);
  await expect(exportButton).toBeFocused();
  const fileName = (await settings.rows().first().getAttribute('data-file-name')) ?? '';

  const verify = page.getByRole('button', { name: `Verify ${fileName}` });
  await tabTo(page, verify);
  await page.keyboard.press('Enter');
  await expect(settings.toast('success', 'Backup verified: it is intact')).toBeVisible();
  await expect(verify).toBeFocused();

  const restore = page.getByRole('button', { name: `Restore ${fileName}` });
  await tabTo(page, restore);
  await page.keyboard.press('Enter');
  await expect(settings.dialog()).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(settings.dialog()).toBeHidden();
  await expect(restore).toBeFocused();

  await page.keyboard.press('Enter');
  await expect(settings.dialog()).toBeVisible();
  await settings.dialog().getByRole('button', { name: 'Cancel' }).focus();
  await page.keyboard.press('Enter');
  await expect(settings.dialog()).toBeHidden();
  await expect(restore).toBeFocused();

  const choose = page.getByRole('button', { name: 'Choose backup file…' });
  const chooser = page.waitForEvent('filechooser');
  await tabTo(page, choose);
  await page.keyboard.press('Enter');
  await (await chooser).setFiles(`${shell.backupDir}/${fileName}`);
  await expect(page.getByTestId('selected-file')).toHaveText(fileName);
  await expect(choose).toBeFocused();

  const fromFile = page.getByRole('button', { name: 'Restore from file' });
  await tabTo(page, fromFile);
  await page.keyboard.press('Enter');
  await expect(settings.dialog()).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(settings.dialog()).toBeHidden();
  await expect(fromFile).toBeFocused();

  // A deleted backup's row is gone with its button: focus goes to the list.
  const remove = page.getByRole('button', { name: `Delete ${fileName}` });
  await tabTo(page, remove);
  await page.keyboard.press('Enter');
  await settings.dialog().getByRole('button', { name: 'Delete' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('no-backups')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Backups', exact: true })).toBeFocused();
});

test('closing toasts from the keyboard keeps the focus in the page, not on <body>', async ({ settings, page }) => {
  await settings.exportNow();
  await page.getByRole('button', { name: 'Export backup' }).click();
  await expect(settings.toast('success')).toHaveCount(2);
  await expect(settings.rows()).toHaveCount(2);
  await settings.rows().last().getByRole('button', { name: /^Delete/ }).focus();

  const closes = settings.toast('success').getByRole('button', { name: /^Dismiss/ });
  await page.keyboard.press('Tab');
  await expect(closes.first()).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(settings.toast('success')).toHaveCount(1);
  // The next toast's close button takes the focus…
  await expect(closes.first()).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(settings.toast('success')).toHaveCount(0);
  // …and after the last one, the control the focus came from.
  await expect(settings.rows().last().getByRole('button', { name: /^Delete/ })).toBeFocused();
});
