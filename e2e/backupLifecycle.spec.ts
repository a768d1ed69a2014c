import { DEMO_COUNTS, expect, test } from './support/shell.ts';

test.describe('backup lifecycle', () => {
  // This file runs the shell as `npm start` does: its own process (src/server/start.ts).
  test.use({ separateProcess: true });

  test('export → the list and statistics update → verify → delete with confirm', async ({ settings, page }, testInfo) => {
    await expect(page.getByTestId('no-backups')).toBeVisible();
    await expect(page.getByTestId('stat-total')).toHaveText('0');
    expect(await settings.counts()).toEqual(DEMO_COUNTS);

    const fileName = await settings.exportNow();
    expect(fileName).toMatch(/^casevault-backup-\d{8}T\d{9}Z\.zip$/);
    await expect(page.getByTestId('stat-total')).toHaveText('1');
    await expect(page.getByTestId('stat-size')).not.toHaveText('0 B');
    const row = settings.rows().first();
    await expect(row.locator('code')).toHaveText(/^[0-9a-f]{12}$/);
    await page.screenshot({ path: testInfo.outputPath('backup-settings.png'), fullPage: true });
    await testInfo.attach('backup-settings', { path: testInfo.outputPath('backup-settings.png'), contentType: 'image/png' });

    await row.getByRole('button', { name: `Verify ${fileName}` }).click();
    await expect(settings.toast('success', 'Backup verified: it is intact')).toContainText(fileName);
    // The toasts sit over the bottom right of the page, as a person would, close them first.
    await settings.closeToasts();

    await row.getByRole('button', { name: `Delete ${fileName}` }).click();
    await expect(settings.dialog()).toBeVisible();
    await expect(settings.dialog()).toContainText(fileName);
    // Cancelling keeps the backup.
    await settings.dialog().getByRole('button', { name: 'Cancel' }).click();
    await expect(settings.dialog()).toBeHidden();
    await expect(settings.rows()).toHaveCount(1);

    await row.getByRole('button', { name: `Delete ${fileName}` }).click();
    await settings.dialog().getByRole('button', { name: 'Delete' }).click();
    await expect(settings.toast('success', 'Backup deleted successfully')).toBeVisible();
    await expect(page.getByTestId('no-backups')).toBeVisible();
    await expect(page.getByTestId('stat-total')).toHaveText('0');
  });

  test('toasts stack, close with their button, and dismiss themselves after 5 s unless hovered', async ({ settings, page }) => {
    await settings.exportNow();
    await page.getByRole('button', { name: 'Export backup' }).click();
    await expect(settings.toast('success', 'Backup exported successfully')).toHaveCount(2);
    // The newest is at the bottom of the stack, which stays in place when older ones go.
    const newest = settings.toast('success').last();
    await newest.hover();
    // The hovered toast stays; the other one is dismissed by its timer.
    await expect(settings.toast('success')).toHaveCount(1, { timeout: 10_000 });
    await page.mouse.move(0, 0);
    await settings.toast('success').getByRole('button', { name: /^Dismiss/ }).click();
    await expect(settings.toast('success')).toHaveCount(0);
  });
});
