/**
 * Shopify customers export (Admin → Customers → Export, "customers_export.csv"), in both
 * layouts found in files:
 * - current: `Customer ID,First Name,Last Name,Email,Accepts Email Marketing,Default Address …,
 *   Phone,Accepts SMS Marketing,Total Spent,Total Orders,Note,Tax Exempt,Tags`, with any extra
 *   columns after Tags (Accepts WhatsApp Marketing, metafields);
 * - older: `First Name,Last Name,Email,Accepts Email Marketing,Company,Address1,…,City,Province,
 *   Province Code,Country,Country Code,Zip,Phone,…` without Customer ID (the oldest files say
 *   `Accepts Marketing`; it is read when `Accepts Email Marketing` is absent).
 *
 * - id is the e-mail lower-cased, and the Customer ID (without Shopify's leading apostrophe)
 *   only for a customer without e-mail. The orders export carries no customer id, only the
 *   buyer's e-mail, so shopify-orders keys buyers by lower(Email); keying both files by the
 *   same rule makes a customer and their orders meet whichever file is imported first. The
 *   Customer ID is kept in attributes.shopify_customer_id. A row with neither (older layout,
 *   no e-mail) cannot be keyed and is skipped, counted.
 * - name = First Name + Last Name; phone = Phone, else the default address's phone, without
 *   the apostrophe; city and province from the default address, province as Shopify's code
 *   (ON, CA) as shopify-orders has it; email_consent and sms_consent from the yes/no columns.
 * - attributes: {shopify_customer_id, country (code), tags (list)}.
 * - member_since is not provided, so it keeps whatever is stored (empty, i.e. not a member,
 *   for a new customer). The export has no date at which anyone joined anything, and a member
 *   is someone with a join date: a made-up date (the import day, the first order) would count
 *   every customer as joining on it and break the activation KPI and member tenure, and
 *   "Accepts Email Marketing" is a newsletter consent (kept as email_consent), not a
 *   membership with benefits. A store that runs a programme says who joined when with a
 *   canonical customers file of id and member_since, which this export then never erases.
 * - Total Spent and Total Orders are not kept: they are what the orders give.
 */
import { withoutApostrophe } from './shopify-orders.js';
import { column, type StoreFormat, withOptionalColumns } from './store-format.js';

const OPTIONAL_COLUMNS = [
  'Customer ID',
  'Accepts Email Marketing',
  'Accepts Marketing',
  'Accepts SMS Marketing',
  'Phone',
  'Default Address Phone',
  'Default Address City',
  'City',
  'Default Address Province Code',
  'Province Code',
  'Province',
  'Default Address Country Code',
  'Country Code',
  'Tags',
] as const;

const email = `lower(${column('Email')})`;
const customerId = withoutApostrophe(column('Customer ID'));

export const shopifyCustomers: StoreFormat = {
  name: 'shopify-customers',
  title: 'Shopify customers export',
  detect: (sample) => {
    const needed = ['First Name', 'Last Name', 'Email', 'Total Spent', 'Total Orders'];
    if (!needed.every((name) => sample.header.includes(name))) return null;
    const layout = sample.header.includes('Customer ID') ? 'current layout' : 'older layout, no Customer ID';
    return `header has ${needed.join(', ')} (Shopify customers export, ${layout})`;
  },
  requiredColumns: ['First Name', 'Last Name', 'Email'],
  entities: [
    {
      kind: 'customers',
      provides: [
        'id',
        'name',
        'email',
        'phone',
        'city',
        'province',
        'email_consent',
        'sms_consent',
        'attributes',
      ],
      select: (staged) => `SELECT line, coalesce(${email}, ${customerId}) AS id,
          NULLIF(concat_ws(' ', ${column('First Name')}, ${column('Last Name')}), '') AS name, ${email} AS email,
          ${withoutApostrophe(`coalesce(${column('Phone')}, ${column('Default Address Phone')})`)} AS phone,
          coalesce(${column('Default Address City')}, ${column('City')}) AS city,
          coalesce(${column('Default Address Province Code')}, ${column('Province Code')}, ${column('Province')}) AS province,
          coalesce(${column('Accepts Email Marketing')}, ${column('Accepts Marketing')}) AS email_consent,
          ${column('Accepts SMS Marketing')} AS sms_consent,
          json_object('shopify_customer_id', ${customerId},
            'country', coalesce(${column('Default Address Country Code')}, ${column('Country Code')}),
            'tags', list_transform(string_split(${column('Tags')}, ','), tag -> trim(tag)))::VARCHAR AS attributes
        FROM ${withOptionalColumns(staged, OPTIONAL_COLUMNS)} WHERE coalesce(${email}, ${customerId}) IS NOT NULL`,
    },
  ],
  skipped: (staged) =>
    `SELECT 'customer without e-mail or Customer ID (nothing to key it by)' AS reason, count(*)::INTEGER AS rows
      FROM ${withOptionalColumns(staged, OPTIONAL_COLUMNS)} WHERE ${column('Email')} IS NULL AND ${customerId} IS NULL
      HAVING count(*) > 0`,
};
