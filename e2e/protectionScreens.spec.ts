/**
 * Screenshots of the page with automatic backups on, some history, a failed check and the
 * alarm banner, at 1280 and 1024 wide (test-results/protection-*.png), for a person to look at.
 */
import { expect, flipByte, test } from './support/shell.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

test.use({
  testClock: '2026-11-02T08:00:00.000Z',
  timezoneId: 'UTC',
  policy: { schedule: { every: { value: 1, unit: 'days' }, skipUnchanged: false }, drill: { every: { value: 7, unit: 'days' } } },
});

for (const viewport of [
  { width: 1280, height: 900 },
  { width: 1024, height: 768 },
]) {
  test(`the page with automatic backups, a timeline and an alarm at ${viewport.width} wide (screenshot)`, async ({ settings, shell, page }) => {
    test.slow(); // seven backups made and verified, one by one, on a shared machine
    await page.setViewportSize(viewport);
    await expect(settings.rows()).toHaveCount(1);
    for (let day = 1; day <= 6; day += 1) {
      await settings.advance(shell, day === 4 ? 3 * DAY : DAY);
      await expect(settings.rows()).toHaveCount(day + 1);
    }
    // Damage the second newest backup, then check it.
    const name = (await settings.rows().nth(1).getAttribute('data-file-name'))!;
    await flipByte(`${shell.backupDir}/${name}`);
    await page.getByRole('button', { name: 'Check backups now' }).first().click();
    await expect(page.getByTestId('alarm')).toHaveCount(1);
    await settings.closeToasts();
    // Nothing sticks out of its card, however long the names and reasons.
    const overflow = await page.locator('.card').evaluateAll((cards) => cards.filter((c) => c.scrollWidth > c.clientWidth + 1).map((c) => c.querySelector('h2')?.textContent));
    expect(overflow).toEqual([]);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `test-results/protection-${viewport.width}.png`, fullPage: true });
    // The same page in window-high slices, each readable at full size.
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    for (let y = 0, part = 1; y < height; y += viewport.height, part += 1) {
      await page.screenshot({ path: `test-results/protection-${viewport.width}-part${part}.png`, fullPage: true, clip: { x: 0, y, width: viewport.width, height: Math.min(viewport.height, height - y) } });
    }
  });
}
