/**
 * Seeded pseudo-random numbers for the demo generator: one small, fast generator (sfc32 seeded through
 * splitmix32) and the distributions the customer-base models draw from. Pure and deterministic: the same
 * seed gives the same sequence on every platform, which is what makes a generated store reproducible
 * byte for byte. Never used for anything security-related.
 */

const TWO_POW_32 = 4294967296;

/**
 * A seeded generator with the distributions the demo needs.
 *
 * Gamma-family draws use the shape/rate convention of the customer-base papers (Fader, Hardie & Lee 2005:
 * λ ~ Gamma(r, α) has mean r/α; Fader & Hardie 2013: ν ~ Gamma(q, γ)), so parameters can be copied from them.
 *
 * @example const random = new Random(42); const lambda = random.sampleGamma(0.9, 10); // mean 0.09
 */
export class Random {
  // sfc32 state (Chris Doty-Humphrey's Small Fast Counting generator): 128 bits, passes PractRand, and only
  // needs 32-bit integer operations, which JavaScript does exactly.
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  // Marsaglia's polar method yields normals in pairs; the second waits here (NaN = none waiting).
  private spareNormal = Number.NaN;

  /** @param seed any safe integer; equal seeds give equal sequences. */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`Random seed must be a safe integer, got ${seed}`);
    // splitmix32 spreads the seed (including its bits above 32) over the four words, so nearby seeds
    // (1, 2, 3…) start from unrelated states.
    let mix = (seed >>> 0) ^ Math.imul(Math.floor(seed / TWO_POW_32) >>> 0, 0x9e3779b1);
    const next = (): number => {
      mix = (mix + 0x9e3779b9) | 0;
      let z = mix;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) | 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 15; i++) this.nextUint32();
  }

  /** The next raw 32-bit output, an integer in [0, 2^32). */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1), in steps of 2^-32. */
  nextFloat(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** Uniform in the open interval (0, 1): safe to take the logarithm of. */
  nextOpenFloat(): number {
    return (this.nextUint32() + 0.5) / TWO_POW_32;
  }

  /** Uniform in [min, max). */
  sampleUniform(min: number, max: number): number {
    return min + (max - min) * this.nextFloat();
  }

  /** An integer in [0, n), for n up to 2^32. */
  sampleInt(n: number): number {
    return Math.floor(this.nextFloat() * n);
  }

  /** An integer in [min, max], both included. */
  sampleIntBetween(min: number, max: number): number {
    return min + this.sampleInt(max - min + 1);
  }

  /** True with probability p. */
  sampleBernoulli(p: number): boolean {
    return this.nextFloat() < p;
  }

  /** One element of a non-empty array, uniformly. */
  pickOne<T>(items: readonly T[]): T {
    const item = items[this.sampleInt(items.length)];
    if (item === undefined) throw new RangeError('pickOne needs a non-empty array');
    return item;
  }

  /** Normal(mean, sd), by Marsaglia's polar method. */
  sampleNormal(mean = 0, sd = 1): number {
    if (!Number.isNaN(this.spareNormal)) {
      const spare = this.spareNormal;
      this.spareNormal = Number.NaN;
      return mean + sd * spare;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.nextFloat() - 1;
      v = 2 * this.nextFloat() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const factor = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * factor;
    return mean + sd * u * factor;
  }

  /**
   * Gamma(shape, rate): density ∝ x^(shape−1) e^(−rate·x), mean shape/rate, variance shape/rate².
   * Marsaglia & Tsang (2000), "A simple method for generating gamma variables"; for shape < 1 it draws
   * Gamma(shape + 1) and multiplies by U^(1/shape), as that paper recommends.
   */
  sampleGamma(shape: number, rate = 1): number {
    if (!(shape > 0) || !(rate > 0))
      throw new RangeError(`Gamma needs shape > 0 and rate > 0, got ${shape}, ${rate}`);
    if (shape < 1) {
      return this.sampleGamma(shape + 1, rate) * Math.pow(this.nextOpenFloat(), 1 / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.sampleNormal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.nextOpenFloat();
      const x2 = x * x;
      // Cheap squeeze first; the logarithmic test decides the rare remaining cases.
      if (u < 1 - 0.0331 * x2 * x2) return (d * v) / rate;
      if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return (d * v) / rate;
    }
  }

  /** Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b): mean a/(a+b). */
  sampleBeta(a: number, b: number): number {
    const x = this.sampleGamma(a);
    const y = this.sampleGamma(b);
    const sum = x + y;
    // Only reachable when both shapes are tiny and both draws underflow; the limit is a coin with P(1) = a/(a+b).
    if (sum === 0) return this.nextFloat() < a / (a + b) ? 1 : 0;
    return x / sum;
  }

  /** Exponential with the given rate (mean 1/rate): the waiting time of a Poisson process. */
  sampleExponential(rate = 1): number {
    return -Math.log(this.nextOpenFloat()) / rate;
  }

  /**
   * Poisson(mean). Knuth's product of uniforms below mean 10; above, Hörmann's PTRS transformed rejection
   * ("The transformed rejection method for generating Poisson random variables", 1993), O(1) per draw.
   */
  samplePoisson(mean: number): number {
    if (!(mean >= 0)) throw new RangeError(`Poisson needs mean >= 0, got ${mean}`);
    if (mean === 0) return 0;
    if (mean < 10) {
      const limit = Math.exp(-mean);
      let k = 0;
      let product = this.nextFloat();
      while (product > limit) {
        k++;
        product *= this.nextFloat();
      }
      return k;
    }
    const logMean = Math.log(mean);
    const b = 0.931 + 2.53 * Math.sqrt(mean);
    const a = -0.059 + 0.02483 * b;
    const inverseAlpha = 1.1239 + 1.1328 / (b - 3.4);
    const vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const u = this.nextFloat() - 0.5;
      const v = this.nextOpenFloat();
      const us = 0.5 - Math.abs(u);
      const k = Math.floor(((2 * a) / us + b) * u + mean + 0.43);
      if (us >= 0.07 && v <= vr) return k;
      if (k < 0 || (us < 0.013 && v > us)) continue;
      const lhs = Math.log(v) + Math.log(inverseAlpha) - Math.log(a / (us * us) + b);
      if (lhs <= -mean + k * logMean - computeLogGamma(k + 1)) return k;
    }
  }

  /** Number of trials up to and including the first success, success probability p: 1, 2, 3…, mean 1/p. */
  sampleGeometric(p: number): number {
    if (!(p > 0 && p <= 1)) throw new RangeError(`Geometric needs 0 < p <= 1, got ${p}`);
    if (p === 1) return 1;
    return 1 + Math.floor(Math.log(this.nextOpenFloat()) / Math.log1p(-p));
  }
}

/**
 * Weighted choice among fixed items: the cumulative weights are computed once, each draw is one uniform
 * and a binary search, O(log n).
 *
 * @example const pick = new WeightedChoice(['mobile', 'pc'], [8, 2]); pick.sample(random); // 'mobile' 80%
 */
export class WeightedChoice<T> {
  private readonly cumulative: Float64Array;
  private readonly total: number;

  constructor(
    private readonly items: readonly T[],
    weights: readonly number[],
  ) {
    if (items.length === 0 || items.length !== weights.length) {
      throw new RangeError(`WeightedChoice needs one weight per item and at least one item`);
    }
    this.cumulative = new Float64Array(weights.length);
    let sum = 0;
    weights.forEach((weight, i) => {
      if (!(weight >= 0) || !Number.isFinite(weight))
        throw new RangeError(`Weight ${i} is not a finite number >= 0`);
      sum += weight;
      this.cumulative[i] = sum;
    });
    if (!(sum > 0)) throw new RangeError('WeightedChoice needs a positive total weight');
    this.total = sum;
  }

  /** The index of a weighted draw. */
  sampleIndex(random: Random): number {
    const target = random.nextFloat() * this.total;
    // First index whose cumulative weight exceeds the target; zero-weight items are never chosen.
    let low = 0;
    let high = this.cumulative.length - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.cumulative[mid] ?? 0) > target) high = mid;
      else low = mid + 1;
    }
    return low;
  }

  /** A weighted draw. */
  sample(random: Random): T {
    const item = this.items[this.sampleIndex(random)];
    if (item === undefined) throw new RangeError('WeightedChoice index out of range');
    return item;
  }

  /** The probability of item i (its weight over the total). */
  getProbability(index: number): number {
    const upper = this.cumulative[index] ?? 0;
    const lower = index > 0 ? (this.cumulative[index - 1] ?? 0) : 0;
    return (upper - lower) / this.total;
  }
}

// Lanczos approximation (g = 7, n = 9), accurate to about 15 significant digits for x > 0.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0. */
export function computeLogGamma(x: number): number {
  if (x < 0.5) {
    // Reflection formula: Γ(x)Γ(1−x) = π / sin(πx).
    return Math.log(Math.PI / Math.sin(Math.PI * x)) - computeLogGamma(1 - x);
  }
  const z = x - 1;
  let sum = LANCZOS[0] ?? 0;
  for (let i = 1; i < LANCZOS.length; i++) sum += (LANCZOS[i] ?? 0) / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}
