/**
 * The versioned schema. Each migration is written out literally and never edited once
 * released: a later change is a new migration. schema.test.ts checks that the migrated tables
 * carry exactly the columns entities.ts describes.
 *
 * Entity tables have no PRIMARY KEY and no NOT NULL constraints on purpose: DuckDB's indexes
 * slow bulk loads, and the importer loads a file optimistically in one pass and checks it after
 * (see import-file.ts). Keys, required values and types are the importer's guarantee.
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
        id VARCHAR,
        name VARCHAR,
        gender VARCHAR,
        birthday DATE,
        province VARCHAR,
        city VARCHAR,
        phone VARCHAR,
        email VARCHAR,
        email_consent BOOLEAN,
        sms_consent BOOLEAN,
        member_since TIMESTAMPTZ,
        created_at TIMESTAMPTZ,
        attributes JSON,${bookkeeping}
      )`,
      `CREATE TABLE orders (
        id VARCHAR,
        customer_id VARCHAR,
        placed_at TIMESTAMPTZ,
        paid_at TIMESTAMPTZ,
        status VARCHAR,
        paid_amount DECIMAL(18,2),
        shipping DECIMAL(18,2),
        discount DECIMAL(18,2),
        refunded_amount DECIMAL(18,2),
        item_count BIGINT,
        channel VARCHAR,
        source VARCHAR,${bookkeeping}
      )`,
      `CREATE TABLE order_lines (
        order_id VARCHAR,
        sku VARCHAR,
        name VARCHAR,
        category VARCHAR,
        quantity BIGINT,
        unit_price DECIMAL(18,2),
        refunded_amount DECIMAL(18,2),${bookkeeping}
      )`,
      `CREATE TABLE sessions (
        customer_id VARCHAR,
        anonymous_id VARCHAR,
        started_at TIMESTAMPTZ,
        page_views BIGINT,
        duration_seconds BIGINT,
        bounced BOOLEAN,
        cart_adds BIGINT,
        favourites BIGINT,
        purchases BIGINT,${bookkeeping}
      )`,
      `CREATE TABLE feedback (
        customer_id VARCHAR,
        order_id VARCHAR,
        kind VARCHAR,
        rating TINYINT,
        created_at TIMESTAMPTZ,
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
  {
    version: 2,
    description: 'tier calibrations (thresholds fixed between calibrations, history kept)',
    statements: [
      `CREATE TABLE tier_calibrations (
        calibrated_on DATE NOT NULL,
        method VARCHAR NOT NULL,
        window_months INTEGER NOT NULL,
        special_days JSON NOT NULL,
        members BIGINT NOT NULL,
        tiers JSON NOT NULL,
        created_at TIMESTAMPTZ NOT NULL
      )`,
    ],
  },
  {
    version: 3,
    description: 'customer snapshots as of a day, and the stage and tier changes between them',
    statements: [
      `CREATE TABLE snapshots (
        as_of DATE NOT NULL,
        population VARCHAR NOT NULL,
        customers BIGINT NOT NULL,
        tier_calibrated_on DATE,
        refreshed_at TIMESTAMPTZ NOT NULL
      )`,
      `CREATE TABLE customer_snapshots (
        as_of DATE NOT NULL,
        customer_id VARCHAR NOT NULL,
        is_member BOOLEAN NOT NULL,
        recency_days INTEGER,
        frequency INTEGER NOT NULL,
        monetary DECIMAL(38,2) NOT NULL,
        r TINYINT,
        f TINYINT,
        m TINYINT,
        fm TINYINT,
        score DOUBLE,
        segment VARCHAR NOT NULL,
        tier VARCHAR,
        tier_value DECIMAL(38,2),
        stage VARCHAR NOT NULL,
        stage_rule VARCHAR NOT NULL,
        tags JSON NOT NULL
      )`,
      `CREATE TABLE stage_changes (
        customer_id VARCHAR NOT NULL,
        changed_on DATE NOT NULL,
        from_stage VARCHAR,
        to_stage VARCHAR NOT NULL
      )`,
      `CREATE TABLE tier_changes (
        customer_id VARCHAR NOT NULL,
        changed_on DATE NOT NULL,
        from_tier VARCHAR,
        to_tier VARCHAR
      )`,
    ],
  },
  {
    version: 4,
    description: 'behaviour tags of each snapshot as typed columns instead of JSON',
    statements: [
      // Formatting 40 tags of a million members as JSON cost more than the rest of a refresh,
      // and profiles read the tags as columns. Snapshots taken before keep no tags.
      'ALTER TABLE customer_snapshots DROP COLUMN tags',
      `CREATE TABLE customer_tag_snapshots (
        as_of DATE NOT NULL,
        customer_id VARCHAR NOT NULL,
        gender VARCHAR,
        age INTEGER,
        generation VARCHAR,
        birthday_month INTEGER,
        province VARCHAR,
        north_south VARCHAR,
        big_region VARCHAR,
        power_band VARCHAR,
        power_spend DECIMAL(38,2),
        page_views INTEGER,
        sessions INTEGER,
        pages_per_visit DOUBLE,
        avg_dwell_seconds DOUBLE,
        bounce_rate DOUBLE,
        purchases INTEGER,
        aov DECIMAL(18,2),
        items_per_order DOUBLE,
        largest_order DECIMAL(18,2),
        net_spend DECIMAL(38,2),
        first_purchase DATE,
        last_purchase DATE,
        purchases_per_30_days DOUBLE,
        purchase_cycle_days DOUBLE,
        expected_next_purchase DATE,
        refunds INTEGER,
        last_refund DATE,
        rejections INTEGER,
        last_rejection DATE,
        complaints INTEGER,
        last_complaint DATE,
        low_ratings INTEGER,
        last_low_rating DATE,
        negative_emotion BOOLEAN
      )`,
    ],
  },
  {
    version: 5,
    description: 'member communities (群落) as of a day: each community and every member in one',
    statements: [
      `CREATE TABLE communities (
        as_of DATE NOT NULL,
        community INTEGER NOT NULL,
        members BIGINT NOT NULL,
        centroid JSON NOT NULL,
        description_en VARCHAR NOT NULL,
        description_zh VARCHAR NOT NULL,
        seed BIGINT NOT NULL,
        silhouette DOUBLE,
        created_at TIMESTAMPTZ NOT NULL
      )`,
      `CREATE TABLE community_assignments (
        as_of DATE NOT NULL,
        customer_id VARCHAR NOT NULL,
        community INTEGER NOT NULL
      )`,
    ],
  },
  {
    version: 6,
    description:
      'predictions of each snapshot: the fitted models and every customer’s P(alive), purchases, spend, CLV',
    statements: [
      `CREATE TABLE prediction_snapshots (
        as_of DATE NOT NULL,
        status VARCHAR NOT NULL,
        model VARCHAR NOT NULL,
        unit VARCHAR NOT NULL,
        customers BIGINT NOT NULL,
        repeat_buyers BIGINT NOT NULL,
        purchase_params JSON,
        spend_params JSON,
        horizon_days INTEGER NOT NULL,
        annual_discount_rate DOUBLE NOT NULL
      )`,
      `CREATE TABLE customer_prediction_snapshots (
        as_of DATE NOT NULL,
        customer_id VARCHAR NOT NULL,
        p_alive DOUBLE,
        expected_purchases DOUBLE,
        expected_spend DOUBLE,
        clv DOUBLE,
        next_order_day DATE
      )`,
    ],
  },
  {
    version: 7,
    description: 'the value measure a tier calibration was made with (net spend or RFM score)',
    statements: [`ALTER TABLE tier_calibrations ADD COLUMN measure VARCHAR DEFAULT 'net_spend'`],
  },
  {
    version: 8,
    description: 'daily monitoring: the checks run each day, the abnormal conditions found, and the alerts',
    statements: [
      // Which checks were evaluated on a day: a day evaluated without its condition ends an alert.
      `CREATE TABLE monitor_days (
        day DATE NOT NULL,
        check_name VARCHAR NOT NULL,
        evaluated_at TIMESTAMPTZ NOT NULL
      )`,
      `CREATE TABLE monitor_conditions (
        day DATE NOT NULL,
        check_name VARCHAR NOT NULL,
        subject VARCHAR NOT NULL,
        severity VARCHAR NOT NULL,
        score DOUBLE,
        message VARCHAR NOT NULL,
        figures JSON NOT NULL
      )`,
      // Derived from the two tables above: one row per run of consecutive abnormal days.
      `CREATE TABLE alerts (
        id VARCHAR NOT NULL,
        check_name VARCHAR NOT NULL,
        subject VARCHAR NOT NULL,
        severity VARCHAR NOT NULL,
        message VARCHAR NOT NULL,
        figures JSON NOT NULL,
        first_seen DATE NOT NULL,
        last_seen DATE NOT NULL,
        resolved_on DATE,
        days INTEGER NOT NULL
      )`,
    ],
  },
  {
    version: 9,
    description: 'snapshot money in DECIMAL(18,2), like the orders it sums',
    statements: [
      // A refresh writes every member's money columns; 128-bit decimals cost a quarter of the
      // snapshot's write time for no range a store needs (18 digits is 10^16 yuan).
      'ALTER TABLE customer_snapshots ALTER monetary TYPE DECIMAL(18,2)',
      'ALTER TABLE customer_snapshots ALTER tier_value TYPE DECIMAL(18,2)',
      'ALTER TABLE customer_tag_snapshots ALTER power_spend TYPE DECIMAL(18,2)',
      'ALTER TABLE customer_tag_snapshots ALTER net_spend TYPE DECIMAL(18,2)',
    ],
  },
  {
    version: 10,
    description:
      "a snapshot's day tags stored without the customer's own attributes; customer_tag_snapshots is a view adding them",
    statements: [
      // A customer's gender, birthday and province are not dated: every snapshot copied the same
      // record, and writing those seven columns was a third of a refresh's tag writes. The view
      // places them as of each snapshot's day, with the regions as configured at its refresh.
      `CREATE TABLE customer_day_tags (
        as_of DATE NOT NULL,
        customer_id VARCHAR NOT NULL,
        power_band VARCHAR,
        power_spend DECIMAL(18,2),
        page_views INTEGER,
        sessions INTEGER,
        pages_per_visit DOUBLE,
        avg_dwell_seconds DOUBLE,
        bounce_rate DOUBLE,
        purchases INTEGER,
        aov DECIMAL(18,2),
        items_per_order DOUBLE,
        largest_order DECIMAL(18,2),
        net_spend DECIMAL(18,2),
        first_purchase DATE,
        last_purchase DATE,
        purchases_per_30_days DOUBLE,
        purchase_cycle_days DOUBLE,
        expected_next_purchase DATE,
        refunds INTEGER,
        last_refund DATE,
        rejections INTEGER,
        last_rejection DATE,
        complaints INTEGER,
        last_complaint DATE,
        low_ratings INTEGER,
        last_low_rating DATE,
        negative_emotion BOOLEAN
      )`,
      `INSERT INTO customer_day_tags BY NAME
        SELECT * EXCLUDE (gender, age, generation, birthday_month, province, north_south, big_region)
        FROM customer_tag_snapshots`,
      `CREATE TABLE snapshot_regions (
        as_of DATE NOT NULL,
        province VARCHAR NOT NULL,
        north_south VARCHAR,
        big_region VARCHAR
      )`,
      `INSERT INTO snapshot_regions SELECT DISTINCT as_of, province, north_south, big_region
        FROM customer_tag_snapshots WHERE province IS NOT NULL`,
      // Provinces no member of a day had: the built-in region table (a refresh stores the
      // configured one whole).
      `INSERT INTO snapshot_regions
        SELECT d.as_of, b.province, b.north_south, b.big_region
        FROM (SELECT DISTINCT as_of FROM customer_tag_snapshots) d,
          (VALUES
        ('北京', '北方', '华北'), ('天津', '北方', '华北'), ('河北', '北方', '华北'), ('山西', '北方', '华北'),
        ('内蒙古', '北方', '华北'), ('辽宁', '北方', '东北'), ('吉林', '北方', '东北'), ('黑龙江', '北方', '东北'),
        ('上海', '南方', '华东'), ('江苏', '南方', '华东'), ('浙江', '南方', '华东'), ('安徽', '南方', '华东'),
        ('福建', '南方', '华东'), ('江西', '南方', '华东'), ('山东', '北方', '华东'), ('台湾', '南方', '华东'),
        ('河南', '北方', '华中'), ('湖北', '南方', '华中'), ('湖南', '南方', '华中'), ('广东', '南方', '华南'),
        ('广西', '南方', '华南'), ('海南', '南方', '华南'), ('香港', '南方', '华南'), ('澳门', '南方', '华南'),
        ('重庆', '南方', '西南'), ('四川', '南方', '西南'), ('贵州', '南方', '西南'), ('云南', '南方', '西南'),
        ('西藏', '南方', '西南'), ('陕西', '北方', '西北'), ('甘肃', '北方', '西北'), ('青海', '北方', '西北'),
        ('宁夏', '北方', '西北'), ('新疆', '北方', '西北')
          ) b(province, north_south, big_region)
        WHERE NOT EXISTS (SELECT 1 FROM snapshot_regions r WHERE r.as_of = d.as_of AND r.province = b.province)`,
      'DROP TABLE customer_tag_snapshots',
      // The attributes as domain/attribute-tags.ts places them (the refresh test compares).
      `CREATE VIEW customer_tag_snapshots AS
        SELECT t.as_of, t.customer_id,
          coalesce(c.gender, 'unknown') AS gender,
          (year(t.as_of) - year(c.birthday)
            - CASE WHEN month(t.as_of) * 100 + day(t.as_of) < month(c.birthday) * 100 + day(c.birthday) THEN 1 ELSE 0 END
          )::INTEGER AS age,
          CASE WHEN c.birthday IS NOT NULL
            THEN ['60前', '60后', '70后', '80后', '90后', '00后', '10后'][least(greatest(year(c.birthday) // 10 - 194, 1), 7)]
          END AS generation,
          month(c.birthday)::INTEGER AS birthday_month,
          c.province, r.north_south, r.big_region,
          t.* EXCLUDE (as_of, customer_id)
        FROM customer_day_tags t
        LEFT JOIN customers c ON c.id = t.customer_id
        LEFT JOIN snapshot_regions r ON r.as_of = t.as_of AND r.province = c.province`,
    ],
  },
  {
    version: 11,
    description:
      'community runs kept in a history: every run listed, the runs a later run of the same day replaced kept whole',
    statements: [
      // communities and community_assignments keep the run in use per day, as every reader reads
      // them; a replaced run moves to the two history tables under its run number.
      `CREATE TABLE community_runs (
        run INTEGER NOT NULL,
        as_of DATE NOT NULL,
        k INTEGER NOT NULL,
        members BIGINT NOT NULL,
        seed BIGINT NOT NULL,
        chosen_by VARCHAR,
        silhouette DOUBLE,
        fitted_on BIGINT,
        created_at TIMESTAMPTZ NOT NULL,
        replaced_by INTEGER
      )`,
      `INSERT INTO community_runs
        SELECT row_number() OVER (ORDER BY as_of)::INTEGER, as_of, count(*)::INTEGER, sum(members), any_value(seed),
          NULL, any_value(silhouette), NULL, min(created_at), NULL
        FROM communities GROUP BY as_of`,
      `CREATE TABLE community_history (
        run INTEGER NOT NULL,
        community INTEGER NOT NULL,
        members BIGINT NOT NULL,
        centroid JSON NOT NULL,
        description_en VARCHAR NOT NULL,
        description_zh VARCHAR NOT NULL
      )`,
      `CREATE TABLE community_assignment_history (
        run INTEGER NOT NULL,
        customer_id VARCHAR NOT NULL,
        community INTEGER NOT NULL
      )`,
    ],
  },
  {
    version: 12,
    description:
      'rules (preset conditions, 预设条件) as versioned data: each rule, its immutable versions, its status history',
    statements: [
      // The rule as it stands: which version is current and whether it runs. Small tables, so
      // keys are declared (unlike the entity tables, which bulk loads fill).
      `CREATE TABLE rules (
        id VARCHAR PRIMARY KEY,
        name VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        current_version INTEGER NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL
      )`,
      // Every change of what a rule says is a new row, never an update: enrollments will name
      // the version they ran under. hash is the sha256 of the definition's canonical JSON.
      `CREATE TABLE rule_versions (
        rule_id VARCHAR NOT NULL,
        version INTEGER NOT NULL,
        definition JSON NOT NULL,
        hash VARCHAR NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (rule_id, version)
      )`,
      // Status (draft, active, paused) is state beside the definition, with its own history:
      // pausing and enabling a rule does not make a new version of what it says.
      `CREATE TABLE rule_status_changes (
        rule_id VARCHAR NOT NULL,
        changed_at TIMESTAMPTZ NOT NULL,
        from_status VARCHAR,
        to_status VARCHAR NOT NULL,
        version INTEGER NOT NULL,
        source VARCHAR NOT NULL
      )`,
    ],
  },
  {
    version: 13,
    description:
      "the store-wide figures a snapshot was cut with: RFM cut points, tier thresholds, the store's purchase cycle",
    statements: [
      // Stored so reading one member (huiyuan member) explains their scores from the day's
      // snapshot without recomputing the quintiles, the calibration or C over every customer.
      `CREATE TABLE snapshot_cut_points (
        as_of DATE NOT NULL,
        recency_days DOUBLE[],
        frequency DOUBLE[],
        monetary DECIMAL(18,2)[],
        scored_customers BIGINT NOT NULL,
        tier_calibration JSON NOT NULL,
        store_cycle_days DOUBLE
      )`,
    ],
  },
  {
    version: 14,
    description:
      'the rule engine: cursors, enrollments, decisions, the delivery outbox, signals, member tags, benefits, audience lists',
    statements: [
      // How far each rule's ticks have read its trigger occurrences (exclusive upper bound).
      `CREATE TABLE rule_cursors (
        rule_id VARCHAR PRIMARY KEY,
        ticked_to TIMESTAMPTZ NOT NULL,
        ticked_at TIMESTAMPTZ NOT NULL
      )`,
      // One row per (rule, member, occurrence): the unique key is what makes a tick idempotent.
      // arm is fixed at entry from a hash of member and rule (never of the version), so a
      // member stays in their arm across versions. due_at is occurred_at + wait; next_check_at
      // moves when quiet hours or a cap defer the actions; state: waiting, done, skipped.
      `CREATE TABLE rule_enrollments (
        id VARCHAR PRIMARY KEY,
        rule_id VARCHAR NOT NULL,
        version INTEGER NOT NULL,
        customer_id VARCHAR NOT NULL,
        occurrence_key VARCHAR NOT NULL,
        occurred_at TIMESTAMPTZ NOT NULL,
        enrolled_at TIMESTAMPTZ NOT NULL,
        due_at TIMESTAMPTZ NOT NULL,
        next_check_at TIMESTAMPTZ NOT NULL,
        arm VARCHAR NOT NULL,
        bucket DOUBLE NOT NULL,
        order_id VARCHAR,
        state VARCHAR NOT NULL,
        UNIQUE (rule_id, customer_id, occurrence_key)
      )`,
      // Every decision the engine takes, with its reason: the log `rules explain` and the
      // reports read. action_index is null for decisions about the whole enrollment.
      `CREATE TABLE rule_decisions (
        enrollment_id VARCHAR NOT NULL,
        rule_id VARCHAR NOT NULL,
        version INTEGER NOT NULL,
        customer_id VARCHAR NOT NULL,
        decided_at TIMESTAMPTZ NOT NULL,
        decision VARCHAR NOT NULL,
        action_index INTEGER,
        channel VARCHAR,
        detail VARCHAR
      )`,
      // The outbox. id is the idempotency key and the webhook-id sent, derived from the
      // enrollment and the action, so a retry or a rerun after a crash sends the same id.
      // status: pending, sent, failed. Nothing is sent before its row is committed pending.
      `CREATE TABLE rule_deliveries (
        id VARCHAR PRIMARY KEY,
        enrollment_id VARCHAR NOT NULL,
        rule_id VARCHAR NOT NULL,
        version INTEGER NOT NULL,
        customer_id VARCHAR NOT NULL,
        action_index INTEGER NOT NULL,
        kind VARCHAR NOT NULL,
        channel VARCHAR NOT NULL,
        category VARCHAR NOT NULL,
        destination VARCHAR,
        payload JSON NOT NULL,
        status VARCHAR NOT NULL,
        attempts INTEGER NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        next_attempt_at TIMESTAMPTZ NOT NULL,
        sent_at TIMESTAMPTZ,
        last_error VARCHAR
      )`,
      // External signals (外部信号), e.g. 降温 in 华北 and 东北; empty lists mean everywhere.
      `CREATE TABLE signals (
        id VARCHAR PRIMARY KEY,
        name VARCHAR NOT NULL,
        provinces VARCHAR[] NOT NULL,
        regions VARCHAR[] NOT NULL,
        data JSON,
        occurred_at TIMESTAMPTZ NOT NULL,
        recorded_at TIMESTAMPTZ NOT NULL
      )`,
      // Tags a rule's tag action added (removed_at null while it holds); audiences read them.
      `CREATE TABLE member_tags (
        customer_id VARCHAR NOT NULL,
        tag VARCHAR NOT NULL,
        added_at TIMESTAMPTZ NOT NULL,
        removed_at TIMESTAMPTZ,
        enrollment_id VARCHAR
      )`,
      // A tier benefit recorded against the order that triggered it (spec section 4).
      `CREATE TABLE member_benefits (
        enrollment_id VARCHAR PRIMARY KEY,
        customer_id VARCHAR NOT NULL,
        order_id VARCHAR NOT NULL,
        tier VARCHAR,
        benefit JSON,
        recorded_at TIMESTAMPTZ NOT NULL
      )`,
      // Members appended to a named audience list (人群包) by an export action.
      `CREATE TABLE audience_list_members (
        list VARCHAR NOT NULL,
        customer_id VARCHAR NOT NULL,
        enrollment_id VARCHAR NOT NULL,
        added_at TIMESTAMPTZ NOT NULL
      )`,
    ],
  },
  {
    version: 15,
    description:
      'coupons (优惠券): pools of codes, each code and whom it was issued to, and the code an order used',
    statements: [
      // A pool is a named stock of codes: imported from the platform (Taobao, Shopify) or
      // generated here. Its value, min_spend and validity are the defaults its codes were given.
      `CREATE TABLE coupon_pools (
        name VARCHAR PRIMARY KEY,
        source VARCHAR NOT NULL,
        value DECIMAL(18,2),
        min_spend DECIMAL(18,2),
        valid_from DATE,
        valid_until DATE,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL
      )`,
      // One row per code, unique across pools (a platform's codes are unique per shop).
      // Validity days are inclusive, in store time.
      `CREATE TABLE coupon_pool_codes (
        code VARCHAR PRIMARY KEY,
        pool VARCHAR NOT NULL,
        value DECIMAL(18,2) NOT NULL,
        min_spend DECIMAL(18,2) NOT NULL,
        valid_from DATE,
        valid_until DATE,
        added_at TIMESTAMPTZ NOT NULL
      )`,
      // Who got each code: written once, never updated. The keys say it in the schema: a code is
      // given once, an enrollment gets one code. (Insert-only on purpose: a DuckDB UPDATE of the
      // issue columns of 600k scattered code rows took about 4 minutes; this INSERT takes 5 s.)
      `CREATE TABLE coupon_issues (
        code VARCHAR PRIMARY KEY,
        pool VARCHAR NOT NULL,
        rule_id VARCHAR NOT NULL,
        enrollment_id VARCHAR NOT NULL UNIQUE,
        customer_id VARCHAR,
        issued_at TIMESTAMPTZ NOT NULL
      )`,
      // Every code with its issue (null until given): what readers and reports read.
      `CREATE VIEW coupon_codes AS
        SELECT c.code, c.pool, c.value, c.min_spend, c.valid_from, c.valid_until, c.added_at,
          i.enrollment_id, i.customer_id, i.rule_id, i.issued_at
        FROM coupon_pool_codes c LEFT JOIN coupon_issues i ON i.code = c.code`,
      // The discount code the buyer entered (Shopify's Discount Code); redemption reads it.
      // ALTER appends it after the bookkeeping columns (entities.ts marks it addedBy 15).
      'ALTER TABLE orders ADD COLUMN coupon_code VARCHAR',
    ],
  },
  {
    version: 16,
    description:
      'the KPIs of each month as the refresh computed them, for huiyuan kpis and the report to read',
    statements: [
      // One row per month and the period it covers: the whole month, or the month to the day
      // of the refresh that stored it (the store's first month starts at its first order).
      // Counts and sums before any rate (KPI_ROW_COLUMNS in kpis-query.ts); the churn settings
      // they were computed with; stored_at, to tell a month whose orders or customers were
      // imported after it was stored.
      `CREATE TABLE kpi_months (
        period_start DATE NOT NULL,
        start_day DATE NOT NULL,
        end_day DATE NOT NULL,
        lifecycle_settings VARCHAR NOT NULL,
        refreshed_on DATE NOT NULL,
        stored_at TIMESTAMPTZ NOT NULL,
        members BIGINT NOT NULL,
        new_members BIGINT NOT NULL,
        churned BIGINT NOT NULL,
        newly_churned BIGINT NOT NULL,
        returning_members BIGINT NOT NULL,
        churn_window_days DOUBLE NOT NULL,
        gmv DECIMAL(38,2) NOT NULL,
        net_gmv DECIMAL(38,2) NOT NULL,
        refunded DECIMAL(38,2) NOT NULL,
        member_gmv DECIMAL(38,2) NOT NULL,
        member_net_gmv DECIMAL(38,2) NOT NULL,
        guest_gmv DECIMAL(38,2) NOT NULL,
        orders BIGINT NOT NULL,
        member_orders BIGINT NOT NULL,
        guest_orders BIGINT NOT NULL,
        buyers BIGINT NOT NULL,
        items BIGINT NOT NULL,
        orders_with_items BIGINT NOT NULL
      )`,
    ],
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.reduce((latest, m) => Math.max(latest, m.version), 0);
