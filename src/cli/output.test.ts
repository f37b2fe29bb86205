import { describe, expect, it } from 'vitest';
import { formatMoney, formatRows } from './format.js';
import { renderCsv, renderTable } from './output.js';

describe('output', () => {
  it('aligns columns by display width, counting CJK characters as two', () => {
    const text = renderTable({
      columns: ['tier', 'n'],
      rows: [
        ['会员', 1],
        ['vip', 10],
      ],
      numeric: new Set(['n']),
    });
    expect(text.split('\n')).toEqual(['tier   n', '────  ──', '会员   1', 'vip   10']);
  });

  it('quotes CSV cells with commas, quotes and newlines', () => {
    expect(renderCsv({ columns: ['a', 'b'], rows: [['x,y', 'say "hi"']] })).toBe('a,b\n"x,y","say ""hi"""');
  });

  it('groups thousands of an exact amount without touching its decimals', () => {
    expect(formatMoney('7750665.68')).toBe('7,750,665.68');
    expect(formatMoney('-1234.5')).toBe('-1,234.5');
    expect(formatMoney('999')).toBe('999');
  });

  it('says row or rows', () => {
    expect(formatRows(1)).toBe('1 row');
    expect(formatRows(1200)).toBe('1,200 rows');
  });
});
