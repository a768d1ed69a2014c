/**
 * The page says where things are: which data dir it shows, which backup dir it lists, where a
 * restore keeps the data it replaces; and the restore confirmation compares every row,
 * settings included.
 */
import { stat } from 'node:fs/promises';
import { DEMO_COUNTS, expect, test } from './support/shell.ts';

test('the page says which data dir it shows and which backup dir it lists', async ({ settings, shell, page }) => {
  await expect(page.getByTestId('data-dir')).toHaveText(shell.dataDir);
  await expect(page.getByTestId('data-dir')).toBeVisible();
  await expect(page.getByTestId('backup-dir')).toHaveText(shell.backupDir);
  await expect(page.getByTestId('backup-dir')).toBeVisible();
});

test('the restore confirmation fills the Settings row and says where the safety copy goes', async ({ settings, shell, page }) => {
  const fileName = await settings.exportNow();
  await settings.closeToasts();
  await settings.rows().first().getByRole('button', { name: `Restore ${fileName}` }).click();
  const dialog = settings.dialog();
  await expect(dialog.getByTestId('now-cases')).toHaveText(DEMO_COUNTS.cases);
  await expect(dialog.getByTestId('backup-settings')).toHaveText('included');
  await expect(dialog.getByTestId('now-settings')).toHaveText('present');
  await expect(dialog.getByTestId('safety-note')).toContainText(`${shell.dataDir}.safety-`);
});

test('after a restore, the page says where the replaced data was kept, until dismissed', async ({ settings, shell, page }) => {
  await page.clock.install();
  await page.reload();
  await page.clock.resume();
  await expect(page.getByTestId('stat-total')).toHaveText('0');
  const fileName = await settings.exportNow();
  await settings.closeToasts();
  await settings.rows().first().getByRole('button', { name: `Restore ${fileName}` }).click();
  await settings.dialog().getByRole('button', { name: 'Restore' }).click();

  const done = settings.toast('success', 'Backup restored successfully');
  await expect(done).toBeVisible();
  const safety = /kept in (\S+\.safety-\S+?) /.exec((await done.locator('.toast-message').textContent()) ?? '')?.[1];
  expect(safety, 'the toast names the safety copy').toBeDefined();
  expect(safety!.startsWith(`${shell.dataDir}.safety-`)).toBe(true);
  expect((await stat(safety!)).isDirectory()).toBe(true);

  await page.mouse.move(5, 5);
  await page.clock.fastForward(60_000);
  await expect(done).toBeVisible();
});
