/**
 * The export's memory governor: while a run lasts and dead ArrayBuffers pass the limit, it
 * has V8 collect them; outside runs it has no timer. (Its effect on peak RSS is measured by
 * `npm run bench`, not asserted here.)
 */
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { createMemoryGovernor } from '../../../src/infra/node/memoryGovernor.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('createMemoryGovernor', () => {
  it('collects dead buffers past its limit during a run, and only then', async () => {
    const governor = createMemoryGovernor(8 << 20, 5);
    const before = process.memoryUsage().arrayBuffers;
    // 40 dead 1 MiB buffers, one per turn of the event loop as a stream makes them, then
    // nothing more: V8 alone left ~28 MiB of them uncollected (measured); the governor has
    // them collected within a few of its checks.
    const garbage = async () => {
      for (let j = 0; j < 40; j += 1) {
        Buffer.allocUnsafeSlow(1 << 20).fill(j);
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    const settled = await governor.collectingEarly(async () => {
      await garbage();
      await sleep(100);
      return process.memoryUsage().arrayBuffers;
    });
    expect(governor.collections()).toBeGreaterThan(0);
    expect(settled - before).toBeLessThan(16 << 20);
    // Outside a run: no timer, no collection.
    const after = governor.collections();
    await garbage();
    await sleep(50);
    expect(governor.collections()).toBe(after);
  });

  it('watches reads against the read limit and exports against the lower one, collecting only above the limit of what runs', async () => {
    const MiB = 1 << 20;
    let bytes = 0;
    const governor = createMemoryGovernor(24 * MiB, 2, 48 * MiB, () => bytes);
    const during = async (measured: number) => {
      bytes = measured;
      await sleep(30);
      return governor.collections();
    };
    expect(await governor.holdingYoungGeneration(() => during(40 * MiB))).toBe(0);
    expect(await governor.holdingYoungGeneration(() => during(49 * MiB))).toBeGreaterThan(0);
    const afterReads = governor.collections();
    // Outside any run, nothing is watched however high the bytes.
    await during(200 * MiB);
    expect(governor.collections()).toBe(afterReads);
    expect(await governor.collectingEarly(() => during(25 * MiB))).toBeGreaterThan(afterReads);
    // A read and an export at once (25 MiB: over the export's limit, under the reads'): the
    // lower limit holds while both run.
    const beforeBoth = governor.collections();
    const both = await Promise.all([
      governor.holdingYoungGeneration(() => sleep(60)),
      governor.collectingEarly(() => sleep(30).then(() => governor.collections())),
    ]);
    expect(both[1]).toBeGreaterThan(beforeBoth);
  });

  it('shares one timer between overlapping runs and passes results and errors through', async () => {
    const governor = createMemoryGovernor();
    const [a, b] = await Promise.all([governor.collectingEarly(async () => 1), governor.collectingEarly(async () => 2)]);
    expect([a, b]).toEqual([1, 2]);
    await expect(governor.collectingEarly(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  });

  it('holds the young generation at its size during a run that keeps many objects alive, and lets it grow after', async () => {
    const newSpace = () => v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')!.space_size;
    const keepMany = async () => {
      const kept: object[] = [];
      for (let i = 0; i < 300_000; i += 1) kept.push({ i, name: `entry-${i}`, list: [i] });
      await sleep(1);
      return { kept: kept.length, size: newSpace() };
    };
    const governor = createMemoryGovernor();
    const start = newSpace();
    const held = await governor.holdingYoungGeneration(keepMany);
    expect(held.kept).toBe(300_000);
    expect(held.size).toBeLessThanOrEqual(Math.max(start, 2 << 20));
    const free = await keepMany();
    expect(free.size).toBeGreaterThan(held.size);
  });
});
