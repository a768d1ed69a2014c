import Database from 'better-sqlite3';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DEMO_COUNTS, expect, test } from './support/shell.ts';

/** Changes the live data as the app would: another connection writes (WAL), a document goes. */
async function changeData(dataDir: string): Promise<void> {
  const db = new Database(join(dataDir, 'database.sqlite'));
  try {
    db.pragma('busy_timeout = 10000');
    db.exec(`BEGIN IMMEDIATE;
      DELETE FROM tasks WHERE case_id > 6; DELETE FROM hearings WHERE case_id > 6;
      DELETE FROM orders WHERE case_id > 6; DELETE FROM documents WHERE case_id > 6;
      DELETE FROM cases WHERE id > 6;
      INSERT INTO cases (user_id, title) VALUES (1, 'Added after the backup');
      COMMIT;`);
  } finally {
    db.close();
  }
  const prefixes = await readdir(join(dataDir, 'files'));
  await rm(join(dataDir, 'files', prefixes[0]!), { recursive: true });
}

test.describe('restore', () => {
  test('change data → restore from the list → the data is back and a success toast', async ({ settings, shell, page }) => {
    const fileName = await settings.exportNow();
    await changeData(shell.dataDir);
    await page.reload();
    await expect(page.getByTestId('count-cases')).toHaveText('7');
    const changed = await settings.counts();
    expect(changed).not.toEqual(DEMO_COUNTS);

    await settings.rows().first().getByRole('button', { name: `Restore ${fileName}` }).click();
    const dialog = settings.dialog();
    await expect(dialog).toBeVisible();
    await expect(dialog.getByTestId('backup-cases')).toHaveText(DEMO_COUNTS.cases);
    await expect(dialog.getByTestId('now-cases')).toHaveText('7');
    await expect(dialog.getByTestId('backup-files')).toHaveText(DEMO_COUNTS.files);
    await expect(dialog.getByTestId('now-files')).toHaveText(changed.files!);
    await expect(dialog).toContainText('A safety copy of it is kept');
    await dialog.getByRole('button', { name: 'Restore' }).click();

    await expect(settings.toast('success', 'Backup restored successfully')).toContainText(`Restored ${DEMO_COUNTS.files} files and ${DEMO_COUNTS.cases} cases`);
    await expect(page.getByTestId('count-cases')).toHaveText(DEMO_COUNTS.cases);
    expect(await settings.counts()).toEqual(DEMO_COUNTS);
    // It lasts: a fresh load reads the restored data dir.
    await page.reload();
    await expect(page.getByTestId('count-cases')).toHaveText(DEMO_COUNTS.cases);
    expect(await settings.counts()).toEqual(DEMO_COUNTS);
  });

  test('restore from a chosen file, after declining once', async ({ settings, shell, page }) => {
    const fileName = await settings.exportNow();
    await changeData(shell.dataDir);
    await page.reload();
    await expect(page.getByTestId('count-cases')).toHaveText('7');

    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Choose backup file…' }).click();
    await (await chooser).setFiles(join(shell.backupDir, fileName));
    await expect(page.getByTestId('selected-file')).toHaveText(fileName);

    await page.getByRole('button', { name: 'Restore from file' }).click();
    await expect(settings.dialog()).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(settings.dialog()).toBeHidden();
    await expect(page.getByTestId('count-cases')).toHaveText('7');

    await page.getByRole('button', { name: 'Restore from file' }).click();
    await settings.dialog().getByRole('button', { name: 'Restore' }).click();
    await expect(settings.toast('success', 'Backup restored successfully')).toBeVisible();
    await expect(page.getByTestId('count-cases')).toHaveText(DEMO_COUNTS.cases);
    expect(await settings.counts()).toEqual(DEMO_COUNTS);
  });

  test('"No file selected" warning when restoring without a file', async ({ settings, page }) => {
    const before = await settings.counts();
    await page.getByRole('button', { name: 'Restore from file' }).click();
    const warning = settings.toast('warning', 'No file selected');
    await expect(warning).toContainText('Please select a backup file to restore');
    await expect(settings.dialog()).toBeHidden();
    expect(await settings.counts()).toEqual(before);
  });
});
