/**
 * A store without members (UCI Online Retail has none) with the default `population: auto`: the
 * member analyses count every customer with an order, and say so. The figures are a plain
 * reduction over the raw file done here: a buying customer has a CustomerID on at least one row
 * of a sale (not a C cancellation, not an A bad-debt adjustment) with a positive quantity and
 * price; a counted customer has a CustomerID on any row the format keeps (its C refunds too).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, runCli, SHARED_DATA } from './helpers.js';

const FILE = join(SHARED_DATA, 'online-retail', 'OnlineRetail.csv.gz');
const available = existsSync(FILE);
if (!available && !process.env.CI)
  console.warn(`skipped: ${FILE} is not here (the shared data folder is absent)`);

function countCustomers(): { buying: number; counted: number } {
  const rows = parse<Record<string, string>>(gunzipSync(readFileSync(FILE)), { columns: true });
  const buying = new Set<string>();
  const counted = new Set<string>();
  for (const row of rows) {
    const invoice = row.InvoiceNo!;
    const quantity = Number(row.Quantity);
    const price = Number(row.UnitPrice);
    const customer = row.CustomerID;
    if (!customer) continue;
    const cancellation = invoice.startsWith('C');
    // The format skips bad-debt rows, zero prices and write-offs (negative outside a C invoice).
    if (invoice.startsWith('A') || price <= 0 || (quantity < 0 && !cancellation)) continue;
    counted.add(customer);
    if (!cancellation && quantity > 0) buying.add(customer);
  }
  return { buying: buying.size, counted: counted.size };
}

describe.skipIf(!available && !process.env.CI)('population: auto on a store without members', () => {
  let db: string;
  let expected: { buying: number; counted: number };
  beforeAll(() => {
    db = join(makeTempDir(), 'online-retail.duckdb');
    const imported = runCli(['--db', db, 'import', FILE]);
    expect(imported.status).toBe(0);
    expected = countCustomers();
  });

  it('rfm scores all 4,338 buying customers and says it counts all customers', () => {
    const run = runCli(['--db', db, 'rfm', '--format', 'json']);
    expect(run.status).toBe(0);
    expect(expected.buying).toBe(4_338);
    const summary = JSON.parse(run.stdout) as {
      population: string;
      customers: number;
      scored_customers: number;
    };
    expect(summary).toMatchObject({
      population: 'all_customers',
      customers: expected.counted,
      scored_customers: expected.buying,
    });
    expect(run.stderr).toContain(
      'population: all customers with an order (the store has no members, so every customer is counted)',
    );
  });

  it('--members-only counts no one, and the line says why', () => {
    const run = runCli(['--db', db, 'rfm', '--members-only', '--format', 'json']);
    expect(run.status).toBe(0);
    expect((JSON.parse(run.stdout) as { customers: number }).customers).toBe(0);
    expect(run.stderr).toContain('population: members (--members-only; the store has no members, so 0)');
  });

  it('lifecycle and tags count every customer', () => {
    for (const command of ['lifecycle', 'tags']) {
      const run = runCli(['--db', db, command, '--format', 'json']);
      expect(run.status).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({
        population: 'all_customers',
        customers: expected.counted,
      });
    }
  });

  it('tiers tier every customer, since the store has no members to tier', () => {
    const run = runCli(['--db', db, 'tiers', '--format', 'json']);
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout) as { population: string; tiers: { members: number }[] };
    expect(report.population).toBe('all_customers');
    expect(report.tiers.reduce((sum, tier) => sum + tier.members, 0)).toBe(expected.counted);
  });

  it('refresh stores a snapshot of every customer', () => {
    const run = runCli(['--db', db, 'refresh']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(
      `snapshot 2011-12-09: ${expected.counted.toLocaleString('en-US')} customers`,
    );
  });
});
