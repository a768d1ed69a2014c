/**
 * Protection that runs by itself, as a person sees it in the page: the shell's clock is a
 * test clock the test moves (as days pass, or a machine sleeps), the page's own clock is
 * Playwright's, moved by the same amount. Nothing waits a fixed time: every step waits for
 * what the page shows.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { expect, flipByte, test, type SettingsPage } from './support/shell.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Marks of the timeline by kind. */
async function marks(settings: SettingsPage): Promise<string[]> {
  return settings.page.getByTestId('timeline-mark').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind') ?? ''));
}

test.describe('with the test clock', () => {
  test.use({ testClock: '2026-11-02T08:00:00.000Z', timezoneId: 'UTC' });

  test('turn schedules on, let days pass: backups appear, one catch-up after a sleep, and the timeline fills', async ({ settings, shell, page }) => {
    test.slow(); // a backup made and verified per simulated day
    const panel = page.getByRole('region', { name: 'Automatic backups' });
    await expect(panel.getByTestId('last-backup')).toHaveText('No backup yet');
    await expect(panel.getByTestId('next-backup')).toHaveText('Next backup: none scheduled');
    await expect(page.getByTestId('timeline-summary')).toHaveText('No backups in the last 90 days.');

    await panel.getByRole('checkbox', { name: 'Back up automatically' }).check();
    await panel.getByRole('textbox', { name: 'Back up every (number)' }).fill('1');
    await panel.getByRole('combobox', { name: 'Back up every (unit)' }).selectOption('days');
    await panel.getByRole('checkbox', { name: /Skip when nothing changed/ }).uncheck();
    await panel.getByRole('button', { name: 'Save' }).click();
    await expect(settings.toast('success', 'Backup policy saved')).toBeVisible();

    // The first backup at once, checked as soon as it is made.
    await expect(settings.rows()).toHaveCount(1);
    await expect(panel.getByTestId('last-backup')).toHaveText('Last backup just now, verified');
    await expect(panel.getByTestId('next-backup')).toHaveText('Next backup: on 2026-11-03 at 08:00');

    for (let day = 1; day <= 3; day += 1) {
      await settings.advance(shell, DAY);
      await expect(settings.rows()).toHaveCount(1 + day);
    }
    // Three hours later the page says so, and nothing new was due. Five minutes more: the
    // page's clock (Playwright's) was installed a few seconds after the shell's started, and
    // both run on with real time, so the page is that much behind the backup's time; under a
    // loaded CI it was more than the seconds between the backup and this check, and the page
    // said "2 hours ago" (floor of 2 h 59 min).
    await settings.advance(shell, 3 * HOUR + 5 * 60_000);
    await expect(panel.getByTestId('last-backup')).toHaveText('Last backup 3 hours ago, verified');
    await expect(panel.getByTestId('next-backup')).toHaveText('Next backup: on 2026-11-06 at 08:00');
    await expect(settings.rows()).toHaveCount(4);

    // The machine sleeps four days: one backup on waking, not four.
    await settings.advance(shell, 4 * DAY);
    await expect(settings.rows()).toHaveCount(5);
    await expect(panel.getByTestId('last-backup')).toHaveText('Last backup just now, verified');
    await settings.advance(shell, HOUR + 5 * 60_000); // five minutes more, as above
    await expect(panel.getByTestId('last-backup')).toHaveText('Last backup 1 hour ago, verified');
    await expect(settings.rows()).toHaveCount(5);

    expect(await marks(settings)).toEqual(['verified', 'verified', 'verified', 'verified', 'verified']);
    await expect(page.getByTestId('timeline-summary')).toHaveText(/^5 backups in the last 90 days: 5 verified\. Longest gap: 4 days, from Nov 5 to Nov 9\.$/);
    // Every backup is a row of the chart's table, in words.
    await page.getByText('Show as a table').click();
    await expect(page.locator('.timeline-table tbody tr')).toHaveCount(5);
    await expect(page.locator('.timeline-table tbody tr').first()).toContainText('verified');
  });

  test.describe('retention', () => {
    test.use({
      policy: {
        schedule: { every: { value: 1, unit: 'days' }, skipUnchanged: false },
        retention: { keepLast: 2, keepHourly: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, keepYearly: 0, pruneAfterBackup: false },
        drill: { every: null },
      },
    });

    test('prune keeps what the policy says, and the page says why', async ({ settings, shell, page }) => {
      test.slow(); // a backup made and verified per simulated day
      await expect(settings.rows()).toHaveCount(1);
      for (let day = 1; day <= 4; day += 1) {
        await settings.advance(shell, DAY);
        await expect(settings.rows()).toHaveCount(1 + day);
      }
      const rows = settings.rows();
      const names = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-file-name') ?? ''));
      await expect(rows.nth(0).getByTestId('backup-kept')).toHaveText(/last 2.*last verified good/);
      await expect(rows.nth(1).getByTestId('backup-kept')).toHaveText('last 2');
      for (const i of [2, 3, 4]) await expect(rows.nth(i).getByTestId('backup-kept')).toHaveText('Not kept: the next prune deletes it');

      // A pinned backup is kept, whatever the counts.
      const oldest = names[4]!;
      await page.getByRole('button', { name: `Pin ${oldest}` }).click();
      await expect(page.getByRole('button', { name: `Pin ${oldest}` })).toHaveAttribute('aria-pressed', 'true');
      await expect(rows.nth(4).getByTestId('backup-kept')).toHaveText('pinned');

      await page.getByRole('button', { name: 'Prune…' }).click();
      const dialog = settings.dialog();
      await expect(dialog.getByTestId('prune-headline')).toHaveText('2 of 5 backups would be deleted, with their checksum files. This cannot be undone.');
      const verdicts = dialog.getByTestId('prune-row');
      await expect(verdicts).toHaveCount(5);
      await expect(verdicts.nth(0)).toContainText('Keep: last 2, last verified good');
      await expect(verdicts.nth(1)).toContainText('Keep: last 2');
      await expect(verdicts.nth(2)).toContainText('Delete');
      await expect(verdicts.nth(3)).toContainText('Delete');
      await expect(verdicts.nth(4)).toContainText('Keep: pinned');
      await dialog.getByRole('button', { name: 'Delete' }).click();

      await expect(settings.toast('success', 'Backups pruned')).toContainText('2 backups were deleted');
      await expect(settings.rows()).toHaveCount(3);
      expect(await settings.rows().evaluateAll((els) => els.map((e) => e.getAttribute('data-file-name')))).toEqual([names[0], names[1], oldest]);
    });
  });

  test.describe('drills', () => {
    test.use({ policy: { schedule: { every: { value: 1, unit: 'days' }, skipUnchanged: false }, drill: { every: { value: 1, unit: 'days' } } } });

    test('a backup damaged on disk fails its next scheduled check: marked in the list and the timeline, and the banner appears', async ({ settings, shell, page }) => {
      await expect(settings.rows()).toHaveCount(1);
      await expect(page.getByTestId('alarm')).toHaveCount(0);
      const damaged = (await settings.rows().first().getAttribute('data-file-name'))!;
      await flipByte(join(shell.backupDir, damaged));

      // A day later the scheduled run backs up and re-checks what is due: the damaged one.
      await settings.advance(shell, DAY);
      const banner = page.getByTestId('alarm');
      await expect(banner).toHaveCount(1);
      await expect(banner).toHaveAttribute('data-code', 'DRILL_FAILED');
      await expect(banner).toContainText('A backup failed its check');
      await expect(banner).toContainText('failed its check: the backup does not match its checksum.');
      await expect(banner).toContainText('Do not rely on that backup.');
      await expect(banner.getByRole('button', { name: 'Back up now' })).toBeVisible();

      const row = page.locator(`[data-testid="backup-row"][data-file-name="${damaged}"]`);
      await expect(row.getByTestId('backup-check')).toContainText('Failed');
      await expect(row.getByTestId('backup-check')).toContainText('The backup does not match its checksum');
      expect((await marks(settings)).sort()).toEqual(['failed', 'verified']);
      // The scheduled run is no error of the page: the banner says it, no toast.
      await expect(settings.toast('error')).toHaveCount(0);

      // The banner stays until it is resolved: here, by deleting the damaged backup.
      await page.reload();
      await expect(page.getByTestId('alarm')).toHaveCount(1);
      await page.getByRole('button', { name: `Delete ${damaged}` }).click();
      await settings.dialog().getByRole('button', { name: 'Delete' }).click();
      await expect(settings.rows()).toHaveCount(1);
      await expect(page.getByTestId('alarm')).toHaveCount(0);
    });
  });
});

test('the policy form says what is wrong, in words, next to the field, and saves nothing', async ({ settings, page }) => {
  const panel = page.getByRole('region', { name: 'Automatic backups' });
  await panel.getByRole('checkbox', { name: 'Back up automatically' }).check();
  const every = panel.getByRole('textbox', { name: 'Back up every (number)' });
  await every.fill('2');
  await panel.getByRole('combobox', { name: 'Back up every (unit)' }).selectOption('minutes');
  for (const label of ['Last', 'Hourly', 'Daily', 'Weekly', 'Monthly']) await panel.getByRole('textbox', { name: new RegExp(`^Keep ${label.toLowerCase()}`) }).fill('0');
  await panel.getByRole('button', { name: 'Save' }).click();

  await expect(every).toHaveAttribute('aria-invalid', 'true');
  await expect(panel.getByTestId('error-everyValue')).toHaveText('Leave at least 5 minutes between backups.');
  await expect(every).toHaveAccessibleDescription('Leave at least 5 minutes between backups.');
  await expect(panel.getByTestId('error-retention')).toHaveText('Keep something: set at least one of the counts above 0.');
  await expect(panel.getByTestId('policy-errors')).toHaveText('The policy was not saved: correct the fields marked above.');
  await expect(settings.toast('success')).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole('checkbox', { name: 'Back up automatically' })).not.toBeChecked();
});

/** Changes the live data as the app would: another connection writes. */
function addCase(dataDir: string): void {
  const db = new Database(join(dataDir, 'database.sqlite'));
  try {
    db.pragma('busy_timeout = 10000');
    db.exec(`INSERT INTO cases (user_id, title) VALUES (1, 'Added after the backup')`);
  } finally {
    db.close();
  }
}

test('undo the last restore, from the keyboard: the data from before it is back, all of it', async ({ settings, shell, page }) => {
  const fileName = await settings.exportNow();
  addCase(shell.dataDir);
  await page.reload();
  await expect(page.getByTestId('count-cases')).toHaveText('37');
  await expect(page.getByTestId('undo-offer')).toHaveCount(0);

  await page.getByRole('button', { name: `Restore ${fileName}` }).click();
  await settings.dialog().getByRole('button', { name: 'Restore' }).click();
  await expect(settings.toast('success', 'Backup restored successfully')).toBeVisible();
  await expect(page.getByTestId('count-cases')).toHaveText('36');

  const undo = page.getByRole('button', { name: 'Undo the last restore…' });
  await expect(page.getByTestId('undo-offer')).toContainText('The data from before the last restore');
  await undo.focus();
  await page.keyboard.press('Enter');
  const dialog = settings.dialog();
  await expect(dialog.getByRole('heading', { name: 'Undo the last restore?' })).toBeVisible();
  await expect(dialog.getByTestId('undo-note')).toContainText('all of it, or, if anything goes wrong, nothing changes');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(undo).toBeFocused();
  await expect(page.getByTestId('count-cases')).toHaveText('36');

  await page.keyboard.press('Enter');
  await settings.dialog().getByRole('button', { name: 'Undo the restore' }).focus();
  await page.keyboard.press('Enter');
  await expect(settings.toast('success', 'The last restore was undone')).toBeVisible();
  await expect(page.getByTestId('count-cases')).toHaveText('37');
  await page.reload();
  await expect(page.getByTestId('count-cases')).toHaveText('37');
});

test('automatic backups and pins from the keyboard alone, with what a screen reader is told', async ({ settings, page }) => {
  const fileName = await settings.exportNow();
  await settings.closeToasts();
  const panel = page.getByRole('region', { name: 'Automatic backups' });
  const on = panel.getByRole('checkbox', { name: 'Back up automatically' });
  await on.focus();
  await page.keyboard.press('Space');
  await expect(on).toBeChecked();
  // Enter in a field does not save (no implicit submission); only the button does.
  const every = panel.getByRole('textbox', { name: 'Back up every (number)' });
  await every.focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.type('6');
  await page.keyboard.press('Enter');
  await expect(settings.toast('success')).toHaveCount(0);
  const save = panel.getByRole('button', { name: 'Save' });
  await save.focus();
  await page.keyboard.press('Enter');
  await expect(settings.toast('success', 'Backup policy saved')).toBeVisible();
  await expect(save).toBeFocused();
  await page.reload();
  await expect(page.getByRole('textbox', { name: 'Back up every (number)' })).toHaveValue('6');

  // The pin is a toggle button: its state is pressed or not, said with its name.
  const pin = page.getByRole('button', { name: `Pin ${fileName}` });
  await expect(pin).toHaveAttribute('aria-pressed', 'false');
  await pin.focus();
  await page.keyboard.press('Enter');
  await expect(pin).toHaveAttribute('aria-pressed', 'true');
  await expect(pin).toBeFocused();
  await expect(settings.rows().first().getByTestId('backup-kept')).toContainText('pinned');
  // The chart is an image with its summary as its name; the summary is text in the page too.
  await expect(page.getByRole('img', { name: /Last 90 days 1 backup in the last 90 days: 1 not checked yet\./ })).toBeVisible();
});
