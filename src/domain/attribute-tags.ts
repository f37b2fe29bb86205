/**
 * The attribute tags (属性): what a customer's own record says of them as of a day — gender,
 * age and generation from the birthday, province and its regions. The behaviour tags compute
 * them with the rest; the stored snapshots' view (customer_tag_snapshots, migration v10) adds
 * them to the stored day tags with the same SQL written out, so changing it here needs a
 * migration that recreates that view (the refresh test compares the two).
 */

/** Generations 代 by birth year, oldest first. */
export const GENERATIONS = ['60前', '60后', '70后', '80后', '90后', '00后', '10后'] as const;
export type Generation = (typeof GENERATIONS)[number];

/** The attribute tags, in table order. */
export const ATTRIBUTE_TAG_COLUMNS = [
  'gender',
  'age',
  'generation',
  'birthday_month',
  'province',
  'north_south',
  'big_region',
] as const;

/**
 * SQL: the attribute tags of the customer row `c` (gender, birthday, province) with the region
 * row `r` (north_south, big_region) as of the DATE `asOf`; `generations` is GENERATIONS as a
 * VARCHAR[] expression.
 * - age = whole years at the day: a 02-29 birthday comes on 03-01 in other years;
 * - generation by birth year: before 1960 60前, then one per decade 60后 … 00后, 2010 on 10后.
 */
export function attributeTagsSql(asOf: string, generations: string): string {
  return `coalesce(c.gender, 'unknown') AS gender,
        (year(${asOf}) - year(c.birthday)
          - CASE WHEN month(${asOf}) * 100 + day(${asOf}) < month(c.birthday) * 100 + day(c.birthday) THEN 1 ELSE 0 END
        )::INTEGER AS age,
        CASE WHEN c.birthday IS NOT NULL THEN ${generations}[least(greatest(year(c.birthday) // 10 - 194, 1), 7)] END
          AS generation,
        month(c.birthday)::INTEGER AS birthday_month,
        c.province, r.north_south, r.big_region`;
}
