/**
 * The demo store's catalogue: about 200 SKUs of a fashion and beauty shop in eight categories, with list prices
 * at the ¥x9 points shops use and a popularity weight each, and how a shopper's basket finds goods in it (near a
 * price, within a category or anywhere). The catalogue is drawn from its own fixed seed, so every demo store sells
 * the same goods whatever the run's seed.
 */

import type { Gender } from '../store/entities.js';
import { Random, WeightedChoice } from './random.js';

export const CATEGORIES = ['女装', '男装', '鞋靴', '配饰', '美妆', '护肤', '家居', '母婴'] as const;
export type Category = (typeof CATEGORIES)[number];

interface CategorySpec {
  code: string;
  size: number;
  /** Product, list price range in CNY, and its own variants where the category's do not fit. */
  products: readonly (readonly [
    name: string,
    minPrice: number,
    maxPrice: number,
    variants?: readonly string[],
  ])[];
  prefixes: readonly string[];
  variants: readonly string[];
}

const CATALOGUE_SPEC: Record<Category, CategorySpec> = {
  女装: {
    code: 'WF',
    size: 40,
    products: [
      ['连衣裙', 129, 599],
      ['T恤', 59, 159],
      ['衬衫', 99, 299],
      ['半身裙', 99, 329],
      ['针织开衫', 129, 399],
      ['卫衣', 99, 269],
      ['风衣', 299, 799],
      ['羽绒服', 399, 999],
      ['牛仔裤', 129, 299],
      ['阔腿裤', 99, 259],
    ],
    prefixes: ['法式', '复古', '简约', '宽松', '修身', '纯棉', '真丝', '碎花', '高腰', '设计感'],
    variants: ['黑色 M', '白色 S', '杏色 M', '雾霾蓝 L', '燕麦色 M', '酒红 S'],
  },
  男装: {
    code: 'MF',
    size: 25,
    products: [
      ['T恤', 59, 169],
      ['衬衫', 99, 299],
      ['夹克', 199, 599],
      ['卫衣', 119, 299],
      ['休闲裤', 129, 299],
      ['牛仔裤', 139, 329],
      ['羽绒服', 399, 999],
      ['Polo衫', 99, 259],
    ],
    prefixes: ['商务', '休闲', '纯棉', '宽松', '修身', '加厚', '轻薄', '美式'],
    variants: ['黑色 L', '藏青 XL', '灰色 L', '白色 XL', '军绿 M'],
  },
  鞋靴: {
    code: 'SH',
    size: 25,
    products: [
      ['小白鞋', 129, 299],
      ['运动鞋', 199, 599],
      ['乐福鞋', 179, 399],
      ['切尔西靴', 259, 599],
      ['凉鞋', 99, 259],
      ['高跟鞋', 159, 399],
      ['马丁靴', 229, 499],
    ],
    prefixes: ['真皮', '软底', '厚底', '百搭', '透气', '复古'],
    variants: ['黑色 37', '白色 38', '米色 36', '棕色 39', '黑色 41'],
  },
  配饰: {
    code: 'AC',
    size: 25,
    products: [
      ['丝巾', 59, 199],
      ['棒球帽', 49, 129],
      ['耳环', 29, 159],
      ['项链', 59, 299],
      ['腰带', 59, 199],
      ['托特包', 129, 499],
      ['斜挎包', 99, 399],
      ['发夹', 19, 59],
    ],
    prefixes: ['小众', '简约', '复古', '法式', '百搭', '珍珠'],
    variants: ['金色', '银色', '黑色', '米白', '焦糖色'],
  },
  美妆: {
    code: 'MU',
    size: 25,
    products: [
      ['口红', 79, 329],
      ['粉底液', 129, 429],
      ['眼影盘', 99, 399],
      ['睫毛膏', 59, 199],
      ['腮红', 69, 259],
      ['气垫', 129, 399],
      ['眉笔', 39, 99],
    ],
    prefixes: ['哑光', '水润', '持妆', '丝绒', '自然', '控油'],
    variants: ['#01', '#02', '#03', '#05', '#08', '#12'],
  },
  护肤: {
    code: 'SK',
    size: 30,
    products: [
      ['面霜', 149, 699],
      ['精华液', 199, 799],
      ['爽肤水', 89, 299],
      ['乳液', 99, 329],
      ['面膜', 49, 199, ['5片装', '10片装', '20片装']],
      ['防晒霜', 79, 259],
      ['眼霜', 149, 499],
      ['洁面乳', 49, 159],
    ],
    prefixes: ['保湿', '修护', '美白', '抗初老', '舒缓', '清爽'],
    variants: ['30ml', '50ml', '100ml', '旅行装', '两支装'],
  },
  家居: {
    code: 'HM',
    size: 15,
    products: [
      ['香薰蜡烛', 49, 199, ['白茶', '无花果', '雪松', '鼠尾草海盐']],
      ['抱枕', 39, 129],
      ['浴巾', 49, 159],
      ['睡衣', 99, 299, ['M', 'L', 'XL']],
      ['收纳盒', 19, 89, ['小号', '大号', '三件套']],
      ['马克杯', 29, 99],
    ],
    prefixes: ['北欧', '纯棉', '简约', 'ins风', '日式'],
    variants: ['白色', '灰色', '奶油色', '两件装', '大号'],
  },
  母婴: {
    code: 'BB',
    size: 15,
    products: [
      ['婴儿连体衣', 79, 199],
      ['儿童T恤', 49, 129],
      ['婴儿湿巾', 29, 89, ['80抽', '80抽×3包', '80抽×6包']],
      ['围兜', 19, 59, ['两条装', '三条装']],
      ['安抚玩具', 39, 129, ['小熊', '兔子', '小象']],
      ['儿童袜', 19, 49, ['三双装', '五双装']],
    ],
    prefixes: ['纯棉', 'A类', '有机棉', '柔软', '可爱'],
    variants: ['66cm', '73cm', '80cm', '90cm', '三件装'],
  },
};

// Which categories a customer mostly buys, by gender: the base for the consumption communities (群落) analysis.
// Positional: one weight per entry of CATEGORIES, in its order.
const CATEGORY_WEIGHTS_BY_GENDER: Record<Gender, readonly number[]> = {
  female: [30, 2, 10, 10, 18, 20, 5, 5],
  male: [5, 45, 20, 10, 2, 10, 6, 2],
  unknown: [18, 18, 14, 10, 10, 15, 8, 7],
};

export interface Sku {
  code: string;
  name: string;
  category: Category;
  categoryIndex: number;
  priceCents: number;
  popularity: number;
}

export interface Catalogue {
  skus: readonly Sku[];
  /** Per category, SKUs sorted by price, and their prices for binary search. */
  byCategory: readonly (readonly Sku[])[];
  pricesByCategory: readonly Float64Array[];
  /** All SKUs sorted by price. */
  byPrice: readonly Sku[];
  prices: Float64Array;
}

// The catalogue is the store's, not the customers': it comes from a fixed seed so every demo store sells the same
// goods whatever the seed, and SKU codes mean the same thing across demo runs.
const CATALOGUE_SEED = 618_1111;

/** Builds the catalogue; the same every time, as it draws from its own fixed seed. */
export function buildCatalogue(): Catalogue {
  const random = new Random(CATALOGUE_SEED);
  const skus: Sku[] = [];
  CATEGORIES.forEach((category, categoryIndex) => {
    const spec = CATALOGUE_SPEC[category];
    for (let i = 0; i < spec.size; i++) {
      const product = spec.products[i % spec.products.length];
      if (product === undefined) throw new Error(`catalogue for ${category} has no products`);
      const [productName, minPrice, maxPrice, variants = spec.variants] = product;
      // Log-uniform list price rounded to the ¥x9 price points shops use.
      const raw = Math.exp(random.sampleUniform(Math.log(minPrice), Math.log(maxPrice)));
      const price = Math.max(9, Math.round((raw + 1) / 10) * 10 - 1);
      skus.push({
        code: `${spec.code}${String(i + 1).padStart(3, '0')}`,
        name: `${random.pickOne(spec.prefixes)}${productName} ${random.pickOne(variants)}`,
        category,
        categoryIndex,
        priceCents: price * 100,
        // A few bestsellers and a long tail: Gamma(0.6) weights.
        popularity: random.sampleGamma(0.6) + 0.02,
      });
    }
  });
  const byPriceOrder = (x: Sku, y: Sku): number => x.priceCents - y.priceCents || (x.code < y.code ? -1 : 1);
  const byCategory = CATEGORIES.map((_, index) =>
    skus.filter((sku) => sku.categoryIndex === index).sort(byPriceOrder),
  );
  const byPrice = [...skus].sort(byPriceOrder);
  return {
    skus,
    byCategory,
    pricesByCategory: byCategory.map((list) => Float64Array.from(list, (sku) => sku.priceCents)),
    byPrice,
    prices: Float64Array.from(byPrice, (sku) => sku.priceCents),
  };
}

/** Index of the first price ≥ target (or the last index). */
function findPriceIndex(prices: Float64Array, target: number): number {
  let low = 0;
  let high = prices.length - 1;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((prices[mid] ?? 0) < target) low = mid + 1;
    else high = mid;
  }
  return low;
}

const CATEGORY_CHOICES: Record<Gender, WeightedChoice<number>> = {
  female: new WeightedChoice(
    CATEGORIES.map((_, i) => i),
    CATEGORY_WEIGHTS_BY_GENDER.female,
  ),
  male: new WeightedChoice(
    CATEGORIES.map((_, i) => i),
    CATEGORY_WEIGHTS_BY_GENDER.male,
  ),
  unknown: new WeightedChoice(
    CATEGORIES.map((_, i) => i),
    CATEGORY_WEIGHTS_BY_GENDER.unknown,
  ),
};

/** Index into CATEGORIES of a category a shopper of this gender buys, by the gender's category weights. */
export function sampleCategoryIndex(random: Random, gender: Gender): number {
  return CATEGORY_CHOICES[gender].sample(random);
}

/**
 * A SKU of the category priced near the target, by popularity among its seven price neighbours, not already in the
 * basket (`taken`); the nearest-priced free SKU of the whole shop when the category has none.
 */
export function pickSku(
  catalogue: Catalogue,
  random: Random,
  categoryIndex: number,
  targetCents: number,
  taken: readonly { readonly sku: Sku }[],
): Sku {
  const list = catalogue.byCategory[categoryIndex] ?? [];
  const prices = catalogue.pricesByCategory[categoryIndex];
  if (prices === undefined || list.length === 0) return pickNearestSku(catalogue, targetCents, taken);
  const centre = findPriceIndex(prices, targetCents);
  const low = Math.max(0, centre - 3);
  const high = Math.min(list.length - 1, centre + 3);
  let total = 0;
  for (let i = low; i <= high; i++) {
    const sku = list[i];
    if (sku !== undefined && !taken.some((line) => line.sku === sku)) total += sku.popularity;
  }
  if (total === 0) return pickNearestSku(catalogue, targetCents, taken);
  let target = random.nextFloat() * total;
  for (let i = low; i <= high; i++) {
    const sku = list[i];
    if (sku === undefined || taken.some((line) => line.sku === sku)) continue;
    target -= sku.popularity;
    if (target < 0) return sku;
  }
  return pickNearestSku(catalogue, targetCents, taken);
}

/** The SKU closest in price to the target in the whole shop, not already in the basket; throws if none is left. */
export function pickNearestSku(
  catalogue: Catalogue,
  targetCents: number,
  taken: readonly { readonly sku: Sku }[] = [],
): Sku {
  const { byPrice, prices } = catalogue;
  const centre = findPriceIndex(prices, targetCents);
  for (let offset = 0; offset < byPrice.length; offset++) {
    for (const index of [centre - offset, centre + offset]) {
      const sku = byPrice[index];
      if (sku !== undefined && !taken.some((line) => line.sku === sku)) return sku;
    }
  }
  throw new Error('catalogue exhausted');
}
