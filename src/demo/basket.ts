/**
 * Baskets of the demo store: which SKUs an order of a given value holds, at unit prices that add up to the paid
 * amount to the cent, and how a full, partial or single-line refund is split over those lines. Every amount is in
 * whole cents, so paid = Σ quantity × unit price − discount + shipping holds exactly in the generated files.
 */

import type { Gender } from '../store/entities.js';
import { pickNearestSku, pickSku, sampleCategoryIndex, type Catalogue, type Sku } from './catalogue.js';
import type { Random } from './random.js';

export interface Line {
  sku: Sku;
  quantity: number;
  unitCents: number;
  refundedCents: number;
}

export interface Basket {
  lines: Line[];
  discountCents: number;
  shippingCents: number;
}

/** What a basket needs to know of its buyer: the category they mostly buy and their gender's other tastes. */
export interface BasketBuyer {
  gender: Gender;
  /** Index into CATEGORIES. */
  primaryCategory: number;
}

/**
 * Lines whose goods total, less the discount, is exactly `dueCents` (the paid amount without shipping): SKUs
 * are picked near the price each line should carry, then prices are scaled to the exact total; the residue of
 * rounding goes to the first line, which always has quantity 1, so paid = Σ quantity × price − discount +
 * shipping holds to the cent.
 */
export function buildBasket(
  random: Random,
  catalogue: Catalogue,
  dueCents: number,
  discountRate: number,
  shippingCents: number,
  shopper: BasketBuyer,
): Basket {
  const goodsTarget = Math.round(dueCents / (1 - discountRate));
  const lines: Line[] = [];
  const lineCount = sampleLineCount(random, goodsTarget);
  // Random split of the goods value over the lines.
  const shares = Array.from({ length: lineCount }, () => random.sampleUniform(0.5, 1.5));
  const shareTotal = shares.reduce((sum, share) => sum + share, 0);
  for (let i = 0; i < lineCount; i++) {
    const category =
      i === 0 || random.sampleBernoulli(0.6)
        ? shopper.primaryCategory
        : sampleCategoryIndex(random, shopper.gender);
    const sku = pickSku(catalogue, random, category, (goodsTarget * (shares[i] ?? 1)) / shareTotal, lines);
    const quantity = i === 0 ? 1 : sampleQuantity(random, sku);
    lines.push({ sku, quantity, unitCents: sku.priceCents, refundedCents: 0 });
  }
  // Big spenders buy more pieces: add lines, then units, until list prices come near the value.
  for (let guard = 0; guard < 16 && goodsTarget > 1.6 * getListCents(lines); guard++) {
    if (lines.length < 4) {
      const missing = goodsTarget - getListCents(lines);
      const sku = pickSku(catalogue, random, shopper.primaryCategory, missing, lines);
      lines.push({ sku, quantity: 1, unitCents: sku.priceCents, refundedCents: 0 });
    } else {
      const line = lines[1 + random.sampleInt(lines.length - 1)];
      if (line !== undefined && line.quantity < 6) line.quantity++;
    }
  }
  // Small values: drop lines, then fall back to the cheapest fitting item anywhere in the shop.
  while (lines.length > 1 && goodsTarget < 0.6 * getListCents(lines)) lines.pop();
  if (goodsTarget < 0.6 * getListCents(lines)) {
    const sku = pickNearestSku(catalogue, goodsTarget);
    lines[0] = { sku, quantity: 1, unitCents: sku.priceCents, refundedCents: 0 };
  }
  // Scale list prices to the actual total (campaign prices, coupons) and put the rounding residue on line 0.
  const factor = goodsTarget / getListCents(lines);
  let assigned = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line === undefined) continue;
    line.unitCents = Math.max(1, Math.round(line.sku.priceCents * factor));
    assigned += line.quantity * line.unitCents;
  }
  const first = lines[0];
  if (first === undefined) throw new Error('basket has no line');
  first.unitCents = goodsTarget - assigned;
  if (first.unitCents < 1) throw new Error(`basket pricing failed for ${goodsTarget} cents`);
  return { lines, discountCents: goodsTarget - dueCents, shippingCents };
}

function sampleLineCount(random: Random, goodsCents: number): number {
  const draw = random.nextFloat();
  const weights =
    goodsCents < 8000 ? [0.85, 0.97, 1, 1] : goodsCents < 30000 ? [0.55, 0.83, 0.95, 1] : [0.35, 0.7, 0.9, 1];
  const index = weights.findIndex((cumulative) => draw < cumulative);
  return index < 0 ? 1 : index + 1;
}

function sampleQuantity(random: Random, sku: Sku): number {
  const draw = random.nextFloat();
  // Cheap things come in twos and threes (socks, masks, hair clips); clothes mostly one at a time.
  if (sku.priceCents < 6000) return draw < 0.7 ? 1 : draw < 0.92 ? 2 : 3;
  return draw < 0.93 ? 1 : 2;
}

/**
 * Full refund: every line gets its share of the goods after discount; the order also gets its shipping back.
 * Sets each line's refundedCents and returns the order's refunded amount (all of `paidCents`).
 */
export function refundWholeOrder(basket: Basket, paidCents: number): number {
  const goodsAfterDiscount = paidCents - basket.shippingCents;
  const goods = getGoodsCents(basket.lines);
  let assigned = 0;
  for (let i = basket.lines.length - 1; i >= 1; i--) {
    const line = basket.lines[i];
    if (line === undefined) continue;
    line.refundedCents = Math.floor((line.quantity * line.unitCents * goodsAfterDiscount) / goods);
    assigned += line.refundedCents;
  }
  const first = basket.lines[0];
  if (first !== undefined) first.refundedCents = goodsAfterDiscount - assigned;
  return paidCents;
}

/**
 * Partial refund: one line of a multi-line order, or part of the price of a single item (price protection, flaws).
 * Returns the refunded amount.
 */
export function refundPart(random: Random, basket: Basket, paidCents: number): number {
  if (basket.lines.length > 1) return refundLine(basket, random.sampleInt(basket.lines.length));
  const line = basket.lines[0];
  if (line === undefined) return 0;
  const refund = Math.max(
    100,
    Math.round((paidCents - basket.shippingCents) * random.sampleUniform(0.1, 0.4)),
  );
  line.refundedCents = Math.min(refund, paidCents - basket.shippingCents);
  return line.refundedCents;
}

/** Refunds one line at its value after its share of the order discount; returns the refunded amount. */
export function refundLine(basket: Basket, index: number): number {
  const line = basket.lines[index];
  if (line === undefined) return 0;
  const goods = getGoodsCents(basket.lines);
  const lineValue = line.quantity * line.unitCents;
  line.refundedCents = Math.floor((lineValue * (goods - basket.discountCents)) / goods);
  return line.refundedCents;
}

function getListCents(lines: readonly Line[]): number {
  return lines.reduce((sum, line) => sum + line.quantity * line.sku.priceCents, 0);
}

function getGoodsCents(lines: readonly Line[]): number {
  return lines.reduce((sum, line) => sum + line.quantity * line.unitCents, 0);
}
