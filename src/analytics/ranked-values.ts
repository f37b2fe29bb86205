/**
 * Values at given ranks (nearest rank, ascending) of a column, the way the cut points of RFM
 * quintiles, purchasing-power bands and the store's purchase cycle are defined.
 */

/**
 * SQL: one row, `values` = for each rank expression (in terms of n, the number of rows of
 * `relation`), the value of `measure` at that rank in ascending order, NULLs last (null past
 * the last row). Found from the count of each distinct value and their running totals: the value
 * at rank k is the smallest whose running total reaches k. Customers' days, purchases and money
 * repeat, so counting them is cheaper than numbering every row.
 */
export function valuesAtRanksSql(relation: string, measure: string, ranks: readonly string[]): string {
  return `SELECT [${ranks.map((rank) => `min(x) FILTER (WHERE upto >= ${rank})`).join(', ')}] AS "values"
    FROM (
      SELECT x, sum(c) OVER (ORDER BY x) AS upto, sum(c) OVER () AS n
      FROM (SELECT ${measure} AS x, count(*) AS c FROM ${relation} GROUP BY x)
    )`;
}
