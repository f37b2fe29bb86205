/**
 * The file of an audience list (人群包) an export action appends to: LIST.csv or LIST.xlsx in the
 * configured folder (rules.lists_dir), holding every member the list has, for the platform's own
 * tools (客户运营平台 takes phone numbers, Shopify customer tags take emails). It is rewritten
 * whole after each dispatch that added to it, through a temporary file and a rename, so a reader
 * never sees half a file and a crash before the rename leaves the previous file.
 */
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { quoteLiteral, sql } from '../../store/sql.js';
import type { Store } from '../../store/store.js';
import type { AudienceListFile } from './dispatch.js';

/** The columns of a list file, in order. */
export const LIST_COLUMNS = ['customer_id', 'name', 'phone', 'email', 'added_at', 'rule_id'] as const;

function buildListQuery(list: string): string {
  // COPY takes no parameters: the list name is a checked name (letters, digits, _ . -) quoted.
  return `SELECT m.customer_id, any_value(c.name) AS name, any_value(c.phone) AS phone, any_value(c.email) AS email,
      strftime(min(m.added_at), '%Y-%m-%d %H:%M:%S') AS added_at, arg_min(e.rule_id, m.added_at) AS rule_id
    FROM audience_list_members m
    LEFT JOIN customers c ON c.id = m.customer_id
    LEFT JOIN rule_enrollments e ON e.id = m.enrollment_id
    WHERE m.list = ${quoteLiteral(list)}
    GROUP BY m.customer_id ORDER BY min(m.added_at), m.customer_id`;
}

/** Writes the list's file under `folder`; one row per member (the first time they were added). */
export async function writeAudienceListFile(
  store: Store,
  list: string,
  format: 'csv' | 'xlsx',
  folder: string,
): Promise<AudienceListFile> {
  mkdirSync(folder, { recursive: true });
  const path = join(folder, `${list}.${format}`);
  const partial = `${path}.partial`;
  try {
    if (format === 'csv') {
      await store.run({
        sql: `COPY (${buildListQuery(list)}) TO ${quoteLiteral(partial)} (FORMAT csv, HEADER true)`,
        params: [],
      });
    } else {
      const rows = await store.query({ sql: buildListQuery(list), params: [] });
      const { default: ExcelJS } = await import('exceljs');
      const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: partial });
      const sheet = workbook.addWorksheet(list.slice(0, 31));
      sheet.addRow([...LIST_COLUMNS]).commit();
      for (const row of rows) sheet.addRow(LIST_COLUMNS.map((column) => row[column] ?? null)).commit();
      sheet.commit();
      await workbook.commit();
    }
    renameSync(partial, path);
  } finally {
    rmSync(partial, { force: true });
  }
  const [count] = await store.query<{ members: number }>(
    sql`SELECT count(DISTINCT customer_id)::INTEGER AS members FROM audience_list_members WHERE list = ${list}`,
  );
  return { list, format, path, members: count?.members ?? 0 };
}
