import { describe, it, expect } from 'vitest';
import { BIG_REGIONS, PROVINCES, PROVINCE_BY_NAME, normalizeProvince } from './regions.js';

describe('PROVINCES', () => {
  it('lists the 34 provincial-level divisions once each', () => {
    expect(PROVINCES).toHaveLength(34);
    expect(new Set(PROVINCES.map((province) => province.name)).size).toBe(34);
    expect(new Set(PROVINCES.map((province) => province.fullName)).size).toBe(34);
  });

  it('has shopper weights that sum to 1000', () => {
    expect(PROVINCES.reduce((sum, province) => sum + province.shopperWeight, 0)).toBe(1000);
  });

  it('splits north and south along the Qinling–Huaihe line: 15 northern, 19 southern', () => {
    const north = PROVINCES.filter((province) => province.northSouth === '北方').map(
      (province) => province.name,
    );
    expect(north.sort()).toEqual(
      [
        '北京',
        '天津',
        '河北',
        '山西',
        '内蒙古',
        '辽宁',
        '吉林',
        '黑龙江',
        '山东',
        '河南',
        '陕西',
        '甘肃',
        '青海',
        '宁夏',
        '新疆',
      ].sort(),
    );
  });

  it('puts every province in one of the seven big regions, with 3 in 东北 and 5 in 西北', () => {
    for (const province of PROVINCES) expect(BIG_REGIONS).toContain(province.bigRegion);
    expect(PROVINCES.filter((province) => province.bigRegion === '东北')).toHaveLength(3);
    expect(PROVINCES.filter((province) => province.bigRegion === '西北')).toHaveLength(5);
  });

  it('indexes provinces by short name', () => {
    expect(PROVINCE_BY_NAME['广东'].cities[0]).toBe('广州');
  });
});

describe('normalizeProvince', () => {
  it.each([
    ['广东', '广东'],
    ['广东省', '广东'],
    [' 北京市 ', '北京'],
    ['北京', '北京'],
    ['内蒙古自治区', '内蒙古'],
    ['广西壮族自治区', '广西'],
    ['广西自治区', '广西'],
    ['宁夏回族自治区', '宁夏'],
    ['新疆维吾尔自治区', '新疆'],
    ['新疆维吾尔族自治区', '新疆'],
    ['西藏自治区', '西藏'],
    ['香港特别行政区', '香港'],
    ['中国香港', '香港'],
    ['澳门', '澳门'],
    ['台湾省', '台湾'],
    ['浙\u3000江', '浙江'],
    ['Inner Mongolia', '内蒙古'],
    ['shaanxi', '陕西'],
    ['Shanxi', '山西'],
    ['Guangdong Province', '广东'],
    ['Tibet', '西藏'],
  ])('maps %j to %s', (text, expected) => {
    expect(normalizeProvince(text)).toBe(expected);
  });

  it.each(['', '广州', '火星省', '省', 'California'])('returns undefined for %j', (text) => {
    expect(normalizeProvince(text)).toBeUndefined();
  });
});
