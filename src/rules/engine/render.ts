/**
 * Message text from a rule's template: `{name}`, `{tier}`, `{coupon_code}` … (PLACEHOLDERS in
 * rule-schema.ts) filled in from the member's facts. The template becomes one SQL expression
 * over a relation with a VARCHAR column per placeholder, so every message of a dispatch is
 * rendered in the database in one statement. A fact the member lacks renders as empty text.
 */
import { AppError } from '../../errors.js';
import type { ParamList } from '../../store/sql.js';
import { findPlaceholders, PLACEHOLDERS } from '../rule-schema.js';

export type Placeholder = keyof typeof PLACEHOLDERS;
export const PLACEHOLDER_COLUMNS = Object.keys(PLACEHOLDERS) as Placeholder[];

/**
 * The SQL expression rendering `template` over the columns, named after the placeholders, of the
 * relation `alias`.
 * @example buildTemplateSql('亲爱的{name}', params, 'f') // concat($1::VARCHAR, coalesce(f."name", ''))
 */
export function buildTemplateSql(template: string, params: ParamList, alias: string): string {
  const parts: string[] = [];
  let at = 0;
  for (const { name, offset } of findPlaceholders(template)) {
    if (!(name in PLACEHOLDERS))
      throw new AppError('INTERNAL', `template placeholder {${name}} passed the rule check unknown`);
    if (offset > at) parts.push(`${params.add(template.slice(at, offset))}::VARCHAR`);
    parts.push(`coalesce(${alias}."${name}", '')`);
    at = offset + name.length + 2;
  }
  if (at < template.length) parts.push(`${params.add(template.slice(at))}::VARCHAR`);
  return parts.length ? `concat(${parts.join(', ')})` : `''`;
}
