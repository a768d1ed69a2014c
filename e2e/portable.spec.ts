/**
 * "Portable copy" on the page (issue 12): of an incremental backup (made by the CLI, as
 * scheduled backups are), it writes one self-contained ZIP into the backup dir's portable/
 * folder, says where, and lists nothing new; the statistics say what the pool saves; a
 * missing pack is an error toast with its title and leaves no file.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../src/cli/main.ts';
import { ERROR_TITLES } from '../src/contract/errorTitles.ts';
import { expect, test } from './support/shell.ts';

async function cli(args: string[]): Promise<Record<string, unknown>> {
  let out = '';
  let err = '';
  const code = await runCli([...args, '--json'], {
    stdout: { write: (s: string) => void (out += s), isTTY: false, columns: 100 },
    stderr: { write: (s: string) => void (err += s), isTTY: false, columns: 100 },
    env: {},
    signal: new AbortController().signal,
  });
  expect(code, out + err).toBe(0);
  return JSON.parse(out) as Record<string, unknown>;
}

test.describe('portable copy', () => {
  test('of an incremental backup: written into portable/, the toast says where, the list unchanged; the statistics show the saving', async ({ settings, page, shell }, testInfo) => {
    const dirs = ['--data-dir', shell.dataDir, '--backup-dir', shell.backupDir];
    await cli(['export', '--incremental', ...dirs]);
    const second = await cli(['export', '--incremental', ...dirs]);
    const fileName = String(second.fileName);
    await page.reload();
    await expect(settings.rows()).toHaveCount(2);
    await expect(page.getByTestId('stat-saved')).toContainText('%');
    await expect(page.getByTestId('stat-pool')).not.toHaveText('0 B');

    const row = page.locator(`[data-testid="backup-row"][data-file-name="${fileName}"]`);
    // Each row says it is incremental (its sidecar lists a pack), with how many packs in its tooltip.
    await expect(row.getByTestId('incremental-mark')).toHaveText('incremental');
    await expect(row.getByTestId('incremental-mark')).toHaveAttribute('title', /1 pack\)/);
    await row.getByRole('button', { name: `Portable copy of ${fileName}` }).click();
    const toast = settings.toast('success', 'Portable copy written');
    await expect(toast).toBeVisible();
    const folder = join(shell.backupDir, 'portable');
    await expect(toast).toContainText(folder);
    await expect(toast).toContainText(fileName);
    const written = (await readdir(folder)).filter((n) => n.endsWith('.zip'));
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^casevault-portable-\d{8}T\d{9}Z\.zip$/);
    // Not a backup of the list: nothing new there, and the buttons are free again.
    await expect(settings.rows()).toHaveCount(2);
    await expect(row.getByRole('button', { name: `Portable copy of ${fileName}` })).toBeEnabled();
    const verified = await cli(['verify', join(folder, written[0]!), '--backup-dir', shell.backupDir]);
    expect(verified).toMatchObject({ success: true, metadata: { formatVersion: 1 } });

    // The page after the copy, kept as an artifact: test-results/…/portable-copy.png.
    const screenshot = join(testInfo.project.outputDir, 'portable-copy.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    await testInfo.attach('portable-copy', { path: screenshot, contentType: 'image/png' });
  });

  test('a missing pack: an error toast titled for it, and no file left', async ({ settings, page, shell }) => {
    const made = await cli(['export', '--incremental', '--data-dir', shell.dataDir, '--backup-dir', shell.backupDir]);
    const fileName = String(made.fileName);
    await rm(join(shell.backupDir, 'pool', String((made.incremental as { newPack: string }).newPack)));
    await page.reload();
    await page.locator(`[data-testid="backup-row"][data-file-name="${fileName}"]`).getByRole('button', { name: `Portable copy of ${fileName}` }).click();
    await expect(settings.toast('error', ERROR_TITLES.POOL_OBJECT_MISSING)).toBeVisible();
    expect(await readdir(join(shell.backupDir, 'portable')).catch(() => [])).toEqual([]);
  });
});
