import { join } from 'node:path';
import { DEMO_COUNTS, expect, test } from './support/shell.ts';

test.describe('backup lifecycle', () => {
  // This file runs the shell as `npm start` does: its own process (src/server/start.ts).
  test.use({ separateProcess: true });

  test('export, the list and statistics update, verify, delete with confirm', async ({ settings, page }, testInfo) => {
    await expect(page.getByTestId('no-backups')).toBeVisible();
    await expect(page.getByTestId('stat-total')).toHaveText('0');
    expect(await settings.counts()).toEqual(DEMO_COUNTS);

    const fileName = await settings.exportNow();
    expect(fileName).toMatch(/^casevault-backup-\d{8}T\d{9}Z\.zip$/);
    await expect(page.getByTestId('stat-total')).toHaveText('1');
    await expect(page.getByTestId('stat-size')).not.toHaveText('0 B');
    const row = settings.rows().first();
    await expect(row.locator('code')).toHaveText(/^[0-9a-f]{12}$/);
    // The page with a backup listed, kept as an artifact: test-results/backup-settings.png.
    const screenshot = join(testInfo.project.outputDir, 'backup-settings.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    await testInfo.attach('backup-settings', { path: screenshot, contentType: 'image/png' });

    await row.getByRole('button', { name: `Verify ${fileName}` }).click();
    await expect(settings.toast('success', 'Backup verified: it is intact')).toContainText(fileName);
    // Close the toasts as a person would before going on (they may sit over the page).
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

  test('toasts stack, pause while hovered, dismiss themselves after 5 s, and close with their button', async ({ settings, page }) => {
    // The page's clock is Playwright's: time flows, and the test can jump it forward.
    await page.clock.install();
    await page.reload();
    await page.clock.resume();
    await expect(page.getByTestId('stat-total')).toHaveText('0');

    await settings.exportNow();
    await page.getByRole('button', { name: 'Export backup' }).click();
    await expect(settings.toast('success', 'Backup exported successfully')).toHaveCount(2);
    await expect(page.locator('.toasts')).toHaveAttribute('aria-live', 'polite');

    // Hovered, the stack stays however long it is hovered.
    await settings.toast('success').last().hover();
    await page.clock.fastForward(20_000);
    await expect(settings.toast('success')).toHaveCount(2);

    // Left alone, the toasts go within 5 s.
    await page.mouse.move(5, 890);
    await page.clock.fastForward(5_100);
    await expect(settings.toast('success')).toHaveCount(0);

    // A new toast is dismissed after 5 s, not before.
    await page.getByRole('button', { name: 'Restore from file' }).click();
    await expect(settings.toast('warning', 'No file selected')).toBeVisible();
    await page.clock.fastForward(4_500);
    await expect(settings.toast('warning')).toHaveCount(1);
    await page.clock.fastForward(600);
    await expect(settings.toast('warning')).toHaveCount(0);

    // The close button closes one toast at once.
    await page.getByRole('button', { name: 'Restore from file' }).click();
    await settings.toast('warning').getByRole('button', { name: 'Dismiss: No file selected' }).click();
    await expect(settings.toast('warning')).toHaveCount(0);
  });
});
