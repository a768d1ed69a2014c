import { expect, test } from './support/shell.ts';

// Reads run at 100 KB/s in this test's shell (--throttle), so the demo data (about 0.5 MB of
// documents) takes seconds to export: long enough to press Cancel while it runs.
test.use({ throttle: 100_000 });

test('cancel an export → no backup listed and a neutral toast', async ({ settings, page }) => {
  await page.getByRole('button', { name: 'Export backup' }).click();
  const progress = page.getByTestId('export-progress');
  await expect(progress).toBeVisible();
  await expect(progress).toContainText('Writing the backup');
  await progress.getByRole('button', { name: 'Cancel' }).click();

  await expect(settings.toast('info', 'Export cancelled')).toBeVisible();
  await expect(settings.toast('error')).toHaveCount(0);
  await expect(progress).toBeHidden();
  await expect(page.getByTestId('no-backups')).toBeVisible();
  await expect(page.getByTestId('stat-total')).toHaveText('0');
  // The list comes from the backup dir: a reload shows no backup (no .partial is listed).
  await page.reload();
  await expect(page.getByTestId('no-backups')).toBeVisible();
});
