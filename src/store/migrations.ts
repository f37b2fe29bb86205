/**
 * The versioned schema. Each migration is written out literally and never edited once
 * released: a later change is a new migration. schema.test.ts checks that the migrated tables
 * carry exactly the columns entities.ts describes.
 *
 * Tables have no PRIMARY KEY constraints on purpose: DuckDB's ART indexes slow bulk loads and
 * limit updates inside a transaction; uniqueness of keys is kept by the importer's merge.
 */

export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly statements: readonly string[];
}

const bookkeeping = `
  batch_id BIGINT NOT NULL,
  first_imported_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'canonical entities, import batches and generator truth',
    statements: [
      `CREATE TABLE customers (
        id VARCHAR NOT NULL,
        name VARCHAR,
        gender VARCHAR NOT NULL,
        birthday DATE,
        province VARCHAR,
        city VARCHAR,
        phone VARCHAR,
        email VARCHAR,
        email_consent BOOLEAN NOT NULL,
        sms_consent BOOLEAN NOT NULL,
        member_since TIMESTAMPTZ,
        created_at TIMESTAMPTZ,
        attributes JSON,${bookkeeping}
      )`,
      `CREATE TABLE orders (
        id VARCHAR NOT NULL,
        customer_id VARCHAR,
        placed_at TIMESTAMPTZ NOT NULL,
        paid_at TIMESTAMPTZ,
        status VARCHAR NOT NULL,
        paid_amount DECIMAL(18,2) NOT NULL,
        shipping DECIMAL(18,2) NOT NULL,
        discount DECIMAL(18,2) NOT NULL,
        refunded_amount DECIMAL(18,2) NOT NULL,
        item_count BIGINT,
        channel VARCHAR,
        source VARCHAR,${bookkeeping}
      )`,
      `CREATE TABLE order_lines (
        order_id VARCHAR NOT NULL,
        sku VARCHAR NOT NULL,
        name VARCHAR,
        category VARCHAR,
        quantity BIGINT NOT NULL,
        unit_price DECIMAL(18,2) NOT NULL,
        refunded_amount DECIMAL(18,2) NOT NULL,${bookkeeping}
      )`,
      `CREATE TABLE sessions (
        customer_id VARCHAR,
        anonymous_id VARCHAR,
        started_at TIMESTAMPTZ NOT NULL,
        page_views BIGINT NOT NULL,
        duration_seconds BIGINT NOT NULL,
        bounced BOOLEAN NOT NULL,
        cart_adds BIGINT NOT NULL,
        favourites BIGINT NOT NULL,
        purchases BIGINT NOT NULL,${bookkeeping}
      )`,
      `CREATE TABLE feedback (
        customer_id VARCHAR,
        order_id VARCHAR,
        kind VARCHAR NOT NULL,
        rating TINYINT,
        created_at TIMESTAMPTZ NOT NULL,
        text VARCHAR,${bookkeeping}
      )`,
      `CREATE SEQUENCE import_batch_ids START 1`,
      `CREATE TABLE import_batches (
        id BIGINT NOT NULL,
        file VARCHAR NOT NULL,
        format VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        content_hash VARCHAR NOT NULL,
        rows_read BIGINT NOT NULL,
        inserted BIGINT NOT NULL,
        updated BIGINT NOT NULL,
        unchanged BIGINT NOT NULL,
        rejected BIGINT NOT NULL,
        started_at TIMESTAMPTZ NOT NULL,
        finished_at TIMESTAMPTZ NOT NULL
      )`,
      `CREATE TABLE generator_truth (
        generated_at TIMESTAMPTZ NOT NULL,
        seed BIGINT NOT NULL,
        truth JSON NOT NULL
      )`,
    ],
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.reduce((latest, m) => Math.max(latest, m.version), 0);
