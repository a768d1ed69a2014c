/**
 * A file that is not a backup, chosen on the page: the error names the file the person chose,
 * says in plain words what is wrong and what to do, and keeps the technical detail (with the
 * shell's upload path) behind "Details". Errors stay until dismissed.
 */
import { copyFile, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ERROR_TITLES } from '../src/contract/errorTitles.ts';
import { expect, test, type SettingsPage } from './support/shell.ts';

async function restoreChosenFile(settings: SettingsPage, path: string, name: string): Promise<void> {
  const chooser = settings.page.waitForEvent('filechooser');
  await settings.page.getByRole('button', { name: 'Choose backup file…' }).click();
  await (await chooser).setFiles(path);
  await expect(settings.page.getByTestId('selected-file')).toHaveText(name);
  await settings.page.getByRole('button', { name: 'Restore from file' }).click();
}

const CASES = [
  {
    what: 'a text file renamed .zip',
    name: 'notazip.zip',
    make: (path: string) => writeFile(path, 'These are my notes, not a backup.\n'),
    code: 'NOT_A_ZIP' as const,
    says: /not a ZIP file/,
    todo: /Choose a casevault backup/,
    detail: /no end-of-central-directory record/,
  },
  {
    what: 'an empty file',
    name: 'empty.zip',
    make: (path: string) => writeFile(path, ''),
    code: 'NOT_A_ZIP' as const,
    says: /not a ZIP file/,
    todo: /Choose a casevault backup/,
    detail: /empty \(0 bytes\)/,
  },
];

test.describe('a chosen file that is not a backup', () => {
  for (const c of CASES) {
    test(`${c.what}: the error names the chosen file, says what to do, and keeps the detail behind "Details"`, async ({ settings, page }, testInfo) => {
      const path = testInfo.outputPath(c.name);
      await c.make(path);
      await restoreChosenFile(settings, path, c.name);

      const error = settings.toast('error');
      await expect(error).toHaveCount(1);
      await expect(error.locator('.toast-title')).toHaveText(ERROR_TITLES[c.code]);
      const message = error.locator('.toast-message');
      await expect(message).toContainText(`“${c.name}”`);
      await expect(message).toHaveText(c.says);
      await expect(message).toHaveText(c.todo);
      await expect(message).not.toContainText('/');
      await expect(message).not.toContainText('casevault-uploads');

      const summary = error.getByText('Details', { exact: true });
      await expect(summary).toBeVisible();
      await expect(error.locator('.toast-details-text')).toBeHidden();
      await summary.click();
      await expect(error.locator('.toast-details-text')).toBeVisible();
      await expect(error.locator('.toast-details-text')).toHaveText(c.detail);
    });
  }

  test('a truncated backup: the error says it is incomplete and how to get a whole copy', async ({ settings, shell, page }, testInfo) => {
    const fileName = await settings.exportNow();
    await settings.closeToasts();
    const path = testInfo.outputPath('cut-off.zip');
    await copyFile(join(shell.backupDir, fileName), path);
    const file = await open(path, 'r+');
    await file.truncate(100_000);
    await file.close();
    await restoreChosenFile(settings, path, 'cut-off.zip');

    const error = settings.toast('error');
    await expect(error.locator('.toast-title')).toHaveText(ERROR_TITLES.TRUNCATED);
    await expect(error.locator('.toast-message')).toContainText('“cut-off.zip”');
    await expect(error.locator('.toast-message')).toHaveText(/incomplete/);
    await expect(error.locator('.toast-message')).toHaveText(/Copy it again/);
    await expect(error.locator('.toast-message')).not.toContainText('/');
    await error.getByText('Details', { exact: true }).click();
    await expect(error.locator('.toast-details-text')).toHaveText(/cut off/);
  });

  test('an error stays until it is dismissed', async ({ settings, page }, testInfo) => {
    await page.clock.install();
    await page.reload();
    await page.clock.resume();
    await expect(page.getByTestId('stat-total')).toHaveText('0');

    const path = testInfo.outputPath('notazip.zip');
    await writeFile(path, 'hello');
    await restoreChosenFile(settings, path, 'notazip.zip');
    const error = settings.toast('error');
    await expect(error).toHaveCount(1);
    // Away from the stack (a hovered stack keeps every toast anyway).
    await page.mouse.move(5, 5);
    await page.clock.fastForward(120_000);
    await expect(error).toHaveCount(1);

    await error.getByRole('button', { name: /^Dismiss/ }).click();
    await expect(error).toHaveCount(0);
  });

  test('the error toast with its details open reads well (screenshot)', async ({ settings, page }, testInfo) => {
    const path = testInfo.outputPath('notazip.zip');
    await writeFile(path, 'These are my notes, not a backup.\n');
    await restoreChosenFile(settings, path, 'notazip.zip');
    const error = settings.toast('error');
    await error.getByText('Details', { exact: true }).click();
    await expect(error.locator('.toast-details-text')).toBeVisible();
    const screenshot = join(testInfo.project.outputDir, 'error-toast.png');
    await page.screenshot({ path: screenshot });
    await testInfo.attach('error-toast', { path: screenshot, contentType: 'image/png' });
  });
});
