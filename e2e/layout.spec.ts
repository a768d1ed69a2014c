/**
 * How the page reads at common widths: a backup's name wraps only between its words (never
 * inside its date or ".zip"), and notifications do not cover the figures the person is
 * reading or the list's buttons.
 */
import type { Locator, Page } from '@playwright/test';
import { expect, test } from './support/shell.ts';

/** How many lines the end of a backup's name (the part after its last "-": date and .zip) is laid out on. */
function linesOfNameEnd(cell: Locator): Promise<number> {
  return cell.evaluate((element) => {
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    const texts: Text[] = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) texts.push(node as Text);
    const last = texts.at(-1)!;
    const full = texts.map((t) => t.data).join('');
    const tail = full.slice(full.lastIndexOf('-') + 1);
    const range = document.createRange();
    range.setStart(last, Math.max(0, last.data.length - tail.length));
    range.setEnd(last, last.data.length);
    return new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size;
  });
}

function overlap(a: { x: number; y: number; width: number; height: number }, b: { x: number; y: number; width: number; height: number }): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** The boxes of everything `locator` matches, read at one instant. */
function boxes(locator: Locator): Promise<{ x: number; y: number; width: number; height: number }[]> {
  return locator.evaluateAll((elements) =>
    elements.map((e) => e.getBoundingClientRect()).map((r) => ({ x: r.x, y: r.y, width: r.width, height: r.height })),
  );
}

async function expectNotCovered(page: Page, covered: Locator, what: string): Promise<void> {
  const toasts = await boxes(page.locator('[data-testid="toast"]'));
  expect(toasts.length).toBeGreaterThan(0);
  for (const target of await boxes(covered)) {
    for (const toast of toasts) expect(overlap(toast, target), `a toast covers ${what}`).toBe(false);
  }
}

for (const viewport of [
  { width: 1280, height: 900 },
  { width: 1024, height: 768 },
  { width: 800, height: 900 },
]) {
  test.describe(`at ${viewport.width}×${viewport.height}`, () => {
    test.use({ viewport });

    test('a backup name wraps only between its words, never inside its date or ".zip"', async ({ settings }) => {
      const fileName = await settings.exportNow();
      const cell = settings.rows().first().getByRole('rowheader');
      await expect(cell).toHaveText(fileName);
      expect(await linesOfNameEnd(cell)).toBe(1);
    });
  });
}

test('the export toast names the backup file as it is listed, with ".zip"', async ({ settings }) => {
  const fileName = await settings.exportNow();
  expect(fileName).toMatch(/\.zip$/);
  await expect(settings.toast('success', 'Backup exported successfully').locator('.toast-message')).toContainText(fileName);
});

// At 1024×768 the page fills the window: three toasts there reach the Export button (they
// time out or close; the figures and the list's buttons stay clear at every width).
for (const { exportButton, ...viewport } of [
  { width: 1280, height: 900, exportButton: true },
  { width: 1024, height: 768, exportButton: false },
  { width: 800, height: 900, exportButton: true },
]) {
  test(`toasts do not cover the statistics, the counts or the list's buttons at ${viewport.width}×${viewport.height}`, async ({ settings, page }) => {
    await page.setViewportSize(viewport);
    await settings.exportNow();
    await page.getByRole('button', { name: 'Export backup' }).click();
    await expect(settings.toast('success', 'Backup exported successfully')).toHaveCount(2);
    await expect(settings.rows()).toHaveCount(2);
    await page.getByRole('button', { name: 'Restore from file' }).click();
    await expect(settings.toast('warning', 'No file selected')).toBeVisible();
    // The pointer on the stack holds every toast while the test measures.
    await settings.toast('warning').hover();
    await expect(page.locator('[data-testid="toast"]')).toHaveCount(3);

    await expectNotCovered(page, page.getByTestId('statistics').locator('div'), 'the statistics');
    await expectNotCovered(page, page.getByTestId('current-counts').locator('div'), 'the counts');
    if (exportButton) await expectNotCovered(page, page.getByRole('button', { name: 'Export backup' }), 'the Export button');
    await expectNotCovered(page, settings.rows().getByRole('button'), "the list's buttons");
    // Also where a person scrolls to reach the list.
    await settings.rows().last().scrollIntoViewIfNeeded();
    await expectNotCovered(page, settings.rows().getByRole('button'), "the list's buttons (scrolled to)");
  });
}
