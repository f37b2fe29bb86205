/** `huiyuan member ID [--as-of D] [--format table|json]`: one customer, explained. */
import type { Command } from 'commander';
import { Option } from 'commander';
import { LIFECYCLE_STAGE_LABELS, type LifecycleStage } from '../../analytics/lifecycle/lifecycle-stages.js';
import type { MemberExplanation } from '../../analytics/member/explain-member.js';
import { getLastOrderDayOrThrow } from '../analysis-scope.js';
import { PURCHASE_MODEL_NAMES } from '../../analytics/predict/purchase-models.js';
import { type CommandContext, withStore } from '../context.js';
import { formatCount, formatMoney, parseDay } from '../format.js';
import { renderJson } from '../output.js';

interface MemberFlags {
  readonly asOf?: string;
  readonly format: 'table' | 'json';
}

export function registerMember(program: Command, getContext: () => CommandContext): void {
  program
    .command('member')
    .description(
      'explain one customer: facts, R/F/M and the cut points, segment, tier, lifecycle stage and rule, history',
    )
    .argument('<id>', 'customer id')
    .option(
      '--as-of <day>',
      'YYYY-MM-DD in the store timezone (default: the day of the last order)',
      parseDay,
    )
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (id: string, flags: MemberFlags) => {
      const context = getContext();
      const { explainMember } = await import('../../analytics/member/explain-member.js');
      const explanation = await withStore(context, async (store) => {
        const asOf = flags.asOf ?? (await getLastOrderDayOrThrow(store, 'explain'));
        return explainMember(store, { customerId: id, asOf, config: context.config });
      });
      process.stdout.write(
        `${flags.format === 'json' ? renderJson(explanation) : renderMember(explanation)}\n`,
      );
    });
}

/** A stage in the words of the Lifecycle line (lifecycle-stages.ts), e.g. reactivated → Won back 回流会员. */
const stageName = (stage: LifecycleStage): string =>
  `${LIFECYCLE_STAGE_LABELS[stage].name} ${LIFECYCLE_STAGE_LABELS[stage].zh}`;

const orDash = (value: string | number | null | undefined): string =>
  value === null || value === undefined ? '–' : String(value);

export function renderMember(m: MemberExplanation): string {
  const f = m.facts;
  const windows = m.windows;
  const lines = [
    `${f.id}${f.name ? ` ${f.name}` : ''} as of the end of ${m.as_of}`,
    m.source === 'snapshot'
      ? `  read from the stored snapshot of ${m.as_of}`
      : f.is_member
        ? `  computed now: no stored snapshot of ${m.as_of} holds this customer (run \`huiyuan refresh --as-of ${m.as_of}\` to store one)`
        : `  computed now: a snapshot holds the customers its refresh counted (members, unless refreshed with --all-customers), and this customer is not a member`,
    `  ${f.is_member ? `member since ${f.member_since}` : 'not a member (scored among all customers)'} · ${f.gender}` +
      `${f.birthday ? ` · born ${f.birthday}` : ''}${f.province ? ` · ${f.province}${f.city && f.city !== f.province ? ` ${f.city}` : ''}` : ''}`,
    `  all time: ${f.orders} orders, ${f.purchases} purchases (${orDash(f.first_purchase)} … ${orDash(f.last_purchase)}) · paid ${formatMoney(f.paid)} · refunded ${formatMoney(f.refunded)} · ${f.sessions} sessions · ${f.feedback} feedback`,
    '',
  ];
  const rfm = m.rfm;
  if (rfm && rfm.r !== null) {
    const cuts = (values: readonly (string | number | null)[]): string => values.map(orDash).join(' / ');
    lines.push(
      `RFM: segment ${rfm.segment_name} ${rfm.segment_zh} (cell R${rfm.r} × FM${orDash(rfm.fm)}), score ${orDash(rfm.score)}`,
      `  recency   ${orDash(rfm.recency_days)} days → R ${rfm.r}   (cut points ${cuts(rfm.cut_points.recency_days)}; fewer days scores higher)`,
      `  frequency ${rfm.frequency} → F ${orDash(rfm.f)}   (cut points ${cuts(rfm.cut_points.frequency)})`,
      `  monetary  ${formatMoney(rfm.monetary)} → M ${orDash(rfm.m)}   (cut points ${cuts(rfm.cut_points.monetary)})`,
      '  a value equal to a cut point takes the lower bin',
    );
  } else {
    lines.push(
      `RFM: ${rfm ? `${rfm.segment_name} ${rfm.segment_zh}` : 'not counted'}: no purchase up to the day, so no scores`,
    );
  }
  lines.push('');
  const tier = m.tier;
  if (tier) {
    const passed = tier.threshold ? `passed the threshold ${formatMoney(tier.threshold)}` : 'the entry tier';
    const next = tier.next_tier
      ? `; next tier ${tier.next_tier} from ${formatMoney(orDash(tier.next_threshold))}`
      : '';
    lines.push(
      `Tier: ${tier.name} ${tier.name_zh}: value ${formatMoney(tier.value)} ${passed}${next}`,
      `  thresholds of the calibration of ${tier.calibrated_on}${tier.calibration_stored ? '' : ' (computed for the day, not stored: run `huiyuan tiers --calibrate`)'}`,
    );
  } else {
    lines.push('Tier: none (tiers are for members)');
  }
  lines.push('');
  const stage = m.lifecycle;
  lines.push(
    stage
      ? `Lifecycle: ${stage.stage_name} ${stage.stage_zh}, because ${stage.rule}`
      : 'Lifecycle: not counted',
  );
  lines.push('');
  const t = m.tags;
  if (t) {
    const age = t.age === null ? '' : ` · ${t.age} (${orDash(t.generation)})`;
    const place = [t.province, t.north_south, t.big_region].filter((v) => v !== null).join(' ');
    lines.push(
      'Tags:',
      `  属性 attributes: ${t.gender}${age}${place ? ` · ${place}` : ''} · purchasing power ${orDash(t.power_band)} (last ${windows.power_days} days)`,
      `  活跃度 activity: ${t.page_views} PV in ${t.sessions} sessions · ${orDash(t.pages_per_visit)} pages per visit · dwell ${orDash(t.avg_dwell_seconds)} s · bounce ${t.bounce_rate === null ? '–' : `${Math.round(t.bounce_rate * 100)}%`} (last ${windows.activity_days} days)`,
      `  购买行为 purchase: ${t.purchases} purchases · AOV ${formatMoney(orDash(t.aov))} · ${t.items_per_order === null ? '–' : t.items_per_order.toFixed(2)} items per order · largest ${formatMoney(orDash(t.largest_order))} · cycle ${orDash(t.purchase_cycle_days)} d · next expected ${orDash(t.expected_next_purchase)} (all time)`,
      `  情绪 emotion: ${t.negative_emotion ? 'negative' : 'none'} · refunds ${t.refunds} · rejections ${t.rejections} · complaints ${t.complaints} · low ratings ${t.low_ratings} (last ${windows.emotion_days} days)`,
      '',
    );
  }
  if (m.community) {
    lines.push(
      `Community 群落 ${m.community.community} (run of ${m.community.as_of}, ${formatCount(m.community.members)} members): ${m.community.description_zh} · ${m.community.description_en}`,
      '',
    );
  }
  const p = m.prediction;
  if (p) {
    const percent = (value: number | null): string => (value === null ? '–' : `${(value * 100).toFixed(1)}%`);
    const fixed = (value: number | null, digits: number): string =>
      value === null ? '–' : value.toFixed(digits);
    lines.push(
      `Prediction 预测 (${PURCHASE_MODEL_NAMES[p.model]}, ${p.stored ? 'stored with the snapshot' : 'fitted now'}): P(alive) ${percent(p.p_alive)} · churn probability ${percent(p.churn_probability)}`,
      `  next ${p.horizon_days} d: ${fixed(p.expected_purchases, 2)} expected purchases · ${formatMoney(fixed(p.expected_spend, 2))} per purchase · CLV ${formatMoney(fixed(p.clv, 2))} · next order due ${orDash(p.next_order_day)}`,
      '',
    );
  }
  if (m.stage_history.length === 0 && m.tier_history.length === 0) {
    lines.push('History: no snapshots yet (run `huiyuan refresh`, or back-fill with --from/--to)');
  } else {
    lines.push('History (from the stored snapshots):');
    for (const change of m.stage_history) {
      lines.push(
        `  ${change.changed_on}  stage ${change.from_stage === null ? '(first snapshot)' : stageName(change.from_stage)} → ${stageName(change.to_stage)}`,
      );
    }
    for (const change of m.tier_history) {
      lines.push(
        `  ${change.changed_on}  tier ${change.from_tier ?? '(first snapshot)'} → ${orDash(change.to_tier)}`,
      );
    }
  }
  return lines.join('\n');
}
