/**
 * A part of the page that cannot be loaded says so in its place, with a way to try again;
 * it does not say "Loading…" for ever (nor look empty).
 */
import { rm, writeFile } from 'node:fs/promises';
import { expect, test } from './support/shell.ts';

test('a backup list that cannot be read shows an error in its card and loads again on "Try again"', async ({ settings, shell, page }) => {
  await rm(shell.backupDir, { recursive: true, force: true });
  await writeFile(shell.backupDir, 'a file where the backup folder should be');
  await page.reload();

  const list = page.getByRole('region', { name: 'Backups', exact: true });
  await expect(list.getByTestId('load-failed')).toBeVisible();
  await expect(list.getByTestId('load-failed')).toContainText('could not be read');
  await expect(list).not.toContainText('Loading…');
  const stats = page.getByRole('region', { name: 'Statistics' });
  await expect(stats.getByTestId('load-failed')).toBeVisible();
  await expect(stats).not.toContainText('Loading…');
  await expect(settings.toast('error')).toHaveCount(1);

  await rm(shell.backupDir);
  await settings.closeToasts();
  await list.getByRole('button', { name: 'Try again' }).click();
  await expect(page.getByTestId('no-backups')).toBeVisible();
  await expect(page.getByTestId('stat-total')).toHaveText('0');
  await expect(list.getByTestId('load-failed')).toHaveCount(0);
  // The button went with the error: the focus goes to the card's heading, not to <body>.
  await expect(list.getByRole('heading', { name: 'Backups', exact: true })).toBeFocused();
});
