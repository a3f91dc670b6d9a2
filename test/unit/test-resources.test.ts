/**
 * test/helpers/resources.ts: what keeps mocha from hanging when a `before`
 * hook fails or times out half-way must itself work.
 */
import assert from 'node:assert/strict';
import { Resources } from '../helpers/resources.js';

class Thing {
  constructor(
    readonly name: string,
    readonly log: string[],
  ) {}
  close(): void {
    this.log.push(`close ${this.name}`);
  }
}

const later = <T>(ms: number, value: T): Promise<T> => new Promise((r) => setTimeout(() => r(value), ms));

describe('test helper Resources', () => {
  it('closes newest first, waiting for one still opening, skipping one that failed to open', async () => {
    const log: string[] = [];
    const resources = new Resources();
    await resources.add(Promise.resolve(new Thing('server', log)));
    void resources.add(later(30, new Thing('browser', log)));
    void resources.add(Promise.reject(new Error('no worker'))).catch(() => {});
    await resources.closeAll();
    assert.deepEqual(log, ['close browser', 'close server']);
  });

  it('closes what an abandoned hook opens after closeAll, once it is open', async () => {
    const log: string[] = [];
    const resources = new Resources();
    await resources.closeAll();
    const opened = await resources.add(later(10, new Thing('late', log)));
    await later(10, null);
    assert.equal(opened.name, 'late');
    assert.deepEqual(log, ['close late']);
  });

  it('reports close failures after closing the rest', async () => {
    const log: string[] = [];
    const resources = new Resources();
    await resources.add(Promise.resolve(new Thing('a', log)));
    await resources.add(Promise.resolve({ close: () => Promise.reject(new Error('stuck')) }));
    await assert.rejects(resources.closeAll(), (err: AggregateError) => err.errors.length === 1);
    assert.deepEqual(log, ['close a']);
  });
});
